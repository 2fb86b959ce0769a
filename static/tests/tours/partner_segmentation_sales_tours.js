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

// Customers by stage as a chart and a pivot, not only a list: how many customers each stage
// holds and what they bought.
registry.category("web_tour.tours").add("partner_segmentation_customers_by_stage_tour", {
    steps: () => [
        {
            content: "the list, grouped by stage",
            trigger: ".o_list_view .o_group_name:contains('Active')",
        },
        {
            trigger: ".o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "a bar chart of the customers per stage",
            trigger: ".o_graph_renderer canvas",
        },
        {
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "the pivot: a row per stage with its customers' purchases",
            trigger: ".o_pivot tbody tr:has(th:contains('New')) ~ tr:has(th:contains('Active'))",
        },
        {
            content: "measured by what they bought",
            trigger: ".o_pivot thead:contains('Purchased (untaxed)')",
        },
    ],
});
