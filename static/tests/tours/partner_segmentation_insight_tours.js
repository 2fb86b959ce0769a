/** @odoo-module */

import { registry } from "@web/core/registry";

// Overlap: select two segments in the list, Actions > Overlap, read the matrix, then open
// the partners both segments share.
registry.category("web_tour.tours").add("partner_segmentation_overlap_tour", {
    steps: () => [
        {
            trigger: ".o_data_row:contains('Tour overlap A') .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_data_row:contains('Tour overlap B') .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_cp_action_menus .dropdown-toggle",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .dropdown-item:contains('Overlap')",
            run: "click",
        },
        {
            trigger: ".modal button[name=action_compute]",
            run: "click",
        },
        {
            content: "the matrix shows the shared partners of each pair",
            trigger: ".o_pivot th:contains('Tour overlap A')",
        },
        {
            content: "count and share in % side by side, without opening Measures",
            trigger: ".o_pivot th.o_pivot_measure_row:contains('Shared partners') ~ th.o_pivot_measure_row:contains('Share of segment (%)')",
        },
        {
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            trigger: ".o_data_row:has(td[name=segment_a_id]:contains('Tour overlap A')):has(td[name=segment_b_id]:contains('Tour overlap B')) td[name=shared_count]:contains(2)",
        },
        {
            trigger: ".o_data_row:has(td[name=segment_a_id]:contains('Tour overlap A')):has(td[name=segment_b_id]:contains('Tour overlap B')) button[name=action_open_partners]",
            run: "click",
        },
        {
            content: "the partners in both segments",
            trigger: ".o_data_row:contains('Tour shared 1')",
        },
    ],
});

// Why?: from a partner, pick a segment and read each condition with the partner's value.
registry.category("web_tour.tours").add("partner_segmentation_explain_tour", {
    steps: () => [
        {
            trigger: "button[name=action_explain_segment]",
            run: "click",
        },
        {
            trigger: ".modal div[name=segment_id] input",
            run: "edit Tour overlap A",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Tour overlap A')",
            run: "click",
        },
        {
            content: "the verdict for this partner",
            trigger: ".modal div[name=verdict]:contains('Meets the conditions')",
        },
        {
            content: "each condition with the partner's value",
            trigger: ".modal .o_data_row:contains('Tourville')",
        },
        {
            trigger: ".modal-footer button:contains('Close')",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});

// In Odoo's Settings, a purchase-cycle setting changed, then "Recompute lifecycle now": one
// click saves the setting and recomputes with it (no "Unsaved changes" dialog whose Save
// would only save).
registry.category("web_tour.tours").add("partner_segmentation_settings_recompute_tour", {
    url: "/odoo/settings#partner_segmentation",
    steps: () => [
        {
            trigger: "div[name=lifecycle_cycle_mode] input[data-value=fixed]",
            run: "click",
        },
        {
            trigger: "div[name=lifecycle_cycle_days] input:not([readonly])",
            run: "edit 45",
        },
        {
            trigger: "button[name=action_recompute_lifecycle]",
            run: "click",
        },
        {
            content: "recomputed with the setting just chosen",
            trigger: ".o_notification:contains('Settings saved; stages and purchase figures of')",
        },
    ],
});
