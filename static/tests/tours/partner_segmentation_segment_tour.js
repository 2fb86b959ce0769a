/** @odoo-module */

import { registry } from "@web/core/registry";

// A marketer builds a dynamic segment in the web client: conditions typed in the domain
// editor, the live count shown before saving, then a recompute fills the member count.
registry.category("web_tour.tours").add("partner_segmentation_segment_tour", {
    url: "/odoo/action-partner_segmentation.res_partner_segment_action?debug=1",
    steps: () => [
        {
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: "div[name=name] input",
            run: "edit Tourcity customers",
        },
        {
            trigger: ".o_domain_selector_debug_container textarea",
            run: `edit [("city", "=", "Tourcity")]`,
        },
        {
            content: "leave the code editor so that the domain is applied",
            trigger: "div[name=name] input",
            run: "click",
        },
        {
            content: "the live count shows the partners that match before saving",
            trigger: "div[name=domain_match_count]:contains(3)",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: "button[name=action_recompute]",
            run: "click",
        },
        {
            content: "after the recompute the members smart button counts them",
            trigger: "button[name=action_view_members] .o_stat_value:contains(3)",
        },
        {
            trigger: "button[name=action_view_members]",
            run: "click",
        },
        {
            trigger: ".o_data_row:contains(Tour partner 2)",
        },
    ],
});
