/** @odoo-module */

import { registry } from "@web/core/registry";

// Sales Analysis as a sales manager: revenue by the customer's lifecycle stage, then only
// the customers of one segment.
registry.category("web_tour.tours").add("partner_segmentation_sales_stage_tour", {
    steps: () => [
        {
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "the pivot has loaded its data",
            trigger: ".o_pivot .o_pivot_header_cell_closed, .o_pivot .o_pivot_header_cell_opened",
        },
        {
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            trigger: ".o_group_by_menu",
        },
        {
            content: "group by the customer's lifecycle stage",
            trigger: ".o_group_by_menu .o-dropdown-item:contains('Customer lifecycle stage')",
            run: "click",
        },
        {
            content: "one row per stage, in funnel order",
            trigger: ".o_pivot tbody tr:has(th:contains('New')) ~ tr:has(th:contains('Active'))",
        },
        {
            trigger: ".o_searchview_input",
            run: "edit Tour VIP",
        },
        {
            content: "search the customers of a segment",
            trigger: ".o_searchview_autocomplete .o_menu_item:contains('Customer segment')",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains('Tour VIP')",
        },
        {
            content: "only the segment's customer remains: active",
            trigger: ".o_pivot tbody:has(th:contains('Active')):not(:has(th:contains('New')))",
        },
    ],
});
