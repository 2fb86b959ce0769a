/** @odoo-module */

import { registry } from "@web/core/registry";

// A new segment named `name` with one condition picked in the domain editor, as a marketer
// does it: the field by its label, the operator from the list, the value typed, no code.
function newSegmentSteps(name, fieldLabel, operator, value) {
    return [
        {
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: "div[name=name] input",
            run: `edit ${name}`,
        },
        {
            content: "a new dynamic segment without conditions warns that it would hold everyone",
            trigger: ".o_segment_no_conditions:contains('holds every partner')",
        },
        {
            trigger: "div[name=domain] a:contains('New Rule')",
            run: "click",
        },
        {
            trigger: "div[name=domain] .o_tree_editor_condition .o_model_field_selector",
            run: "click",
        },
        {
            trigger: ".o_model_field_selector_popover_search input",
            run: `edit ${fieldLabel}`,
        },
        {
            trigger: `.o_model_field_selector_popover_item_name:contains('${fieldLabel}')`,
            run: "click",
        },
        {
            content: `the operator ${operator}, picked from the list of that field's operators`,
            trigger: `div[name=domain] .o_tree_editor_condition:has(.o_model_field_selector_chain_part:contains('${fieldLabel}')) select:first`,
            async run(helpers) {
                // the operators follow the picked field once the editor has rendered again:
                // wait for the option rather than take the list of the field before
                const selector = "div[name=domain] .o_tree_editor_condition select";
                let option;
                for (let tries = 0; !option && tries < 50; tries++) {
                    const select = document.querySelector(selector);
                    option = select && [...select.options].find((o) => o.textContent.trim() === operator);
                    if (!option) {
                        await new Promise((resolve) => setTimeout(resolve, 100));
                    }
                }
                // the editor loads the picked field's definition asynchronously: changing the
                // operator before it is there fails in Odoo's tree editor (seen once in CI)
                await new Promise((resolve) => setTimeout(resolve, 500));
                await helpers.select(option.value, selector);
                // the value editor is rendered again for the new operator: let it settle
                await new Promise((resolve) => setTimeout(resolve, 500));
            },
        },
        {
            content: "a plain value, no code",
            trigger: "div[name=domain] .o_tree_editor_editor input",
            run: `edit ${value} && press Tab`,
        },
    ];
}

// A marketer builds a dynamic segment in the web client, without debug mode: a condition
// picked in the domain editor, the live count shown before saving, the members counted as
// soon as it is saved, then listed.
registry.category("web_tour.tours").add("partner_segmentation_segment_tour", {
    url: "/odoo/action-partner_segmentation.res_partner_segment_action",
    steps: () => [
        ...newSegmentSteps("Tourcity customers", "City", "=", "Tourcity"),
        {
            content: "the live count shows the partners that match before saving",
            trigger: "div[name=domain_match_count]:contains(3)",
        },
        {
            content: "with a condition, no warning that the segment would hold everyone",
            trigger: ".o_form_view:not(:has(.o_segment_no_conditions))",
        },
        {
            content: "not saved yet: no next recompute to announce",
            trigger: ".o_form_view:not(:has(div[name=next_recompute_at]))",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "saved: the members smart button counts them",
            trigger: "button[name=action_view_members] .o_stat_value:contains(3)",
        },
        {
            content: "and the form says when the scheduler computes them next",
            trigger: "div[name=next_recompute_at]:not(:empty)",
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

// Without debug mode or code: "Days since last purchase > 90" picked in the domain editor,
// the members follow when the conditions are saved and edited, and the size history opens
// on this segment only.
registry.category("web_tour.tours").add("partner_segmentation_no_code_tour", {
    steps: () => [
        ...newSegmentSteps("Not bought for 90 days", "Days since last purchase", ">", "90"),
        {
            content: "the live count: the one customer whose last purchase is older than 90 days",
            trigger: "div[name=domain_match_count]:contains(1)",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "saved conditions bring their members at once, without a recompute",
            trigger: "button[name=action_view_members] .o_stat_value:contains(1)",
        },
        {
            content: "one count on the form: the domain editor's own count is not shown",
            trigger: "div[name=domain]:not(:has(.o_domain_show_selection_button))",
        },
        {
            content: "a saved segment is not counted again on opening; the count is one click away",
            trigger: "button[name=action_count_matches]",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('1 partners match these conditions now')",
        },
        {
            trigger: "div[name=domain] .o_tree_editor_editor input",
            run: "edit 5 && press Tab",
        },
        {
            trigger: "div[name=domain_match_count]:contains(2)",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "edited conditions: the members follow",
            trigger: "button[name=action_view_members] .o_stat_value:contains(2)",
        },
        {
            trigger: "button.oe_stat_button:contains('Size over time')",
            run: "click",
        },
        {
            content: "the history of this segment only, one point per day",
            trigger: ".o_searchview_facet:contains('Not bought for 90 days')",
        },
        {
            trigger: ".o_searchview_facet:contains('One point per day')",
        },
        {
            trigger: ".o_graph_renderer canvas",
        },
    ],
});

// A marketer starts from a ready-made segment: the gallery, one click, a segment of the
// current company whose members are counted at once.
registry.category("web_tour.tours").add("partner_segmentation_template_tour", {
    url: "/odoo/action-partner_segmentation.res_partner_segment_action",
    steps: () => [
        {
            content: "the gallery is one click away from the segments",
            trigger: ".o_control_panel button:contains('New from template')",
            run: "click",
        },
        {
            content: "ready-made segments grouped by what they read",
            trigger: ".o_kanban_group:contains('Lifecycle') .o_kanban_record:contains('Active customers')",
        },
        {
            trigger: ".o_kanban_record:contains('Sleeping clients') button[name=action_use]",
            run: "click",
        },
        {
            content: "a new segment of the user's company, named after the template",
            trigger: ".o_breadcrumb .active:contains('Sleeping clients')",
        },
        {
            content: "its members were counted when it was created",
            trigger: "button[name=action_view_members] .o_stat_value:contains(2)",
        },
    ],
});

// A marketer pushes a segment's phone numbers into a new list for SMS: the preview counts
// the members without a number, apply subscribes the others.
registry.category("web_tour.tours").add("partner_segmentation_sms_push_tour", {
    steps: () => [
        {
            trigger: "button[name=action_open_mailing_wizard]",
            run: "click",
        },
        {
            trigger: ".modal div[name=channel] input[data-value=sms]",
            run: "click",
        },
        {
            content: "the preview counts the member without a number",
            trigger: ".modal div[name=count_no_phone]:contains(1)",
        },
        {
            trigger: ".modal div[name=new_list_name] input",
            run: "edit Tour texts",
        },
        {
            trigger: ".modal div[name=count_add]:contains(2)",
        },
        {
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            content: "done: two numbers subscribed",
            trigger: ".modal .alert-success",
        },
        {
            trigger: ".modal button[name=action_open_list]",
        },
    ],
});

// A segment of partners created in the last 30 days, typed in the conditions' code editor
// (debug mode) with the date helpers, which the server evaluates at every recompute: the
// editor takes them, the live count counts, the form saves.
registry.category("web_tour.tours").add("partner_segmentation_relative_date_tour", {
    url: "/odoo/action-partner_segmentation.res_partner_segment_action?debug=1",
    steps: () => [
        {
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: "div[name=name] input",
            run: "edit Joined in the last 30 days",
        },
        {
            trigger: "div[name=domain] .o_domain_selector_debug_container textarea",
            run: "edit [('create_date', '>', context_today() - relativedelta(days=30)), ('city', '=', 'Datecity')] && press Tab",
        },
        {
            content: "the live count counts the partners created lately",
            trigger: "div[name=domain_match_count]:contains(2)",
        },
        {
            content: "the editor does not call the conditions invalid",
            trigger: "div[name=domain]:not(:contains('Invalid domain')) .o_tree_editor_condition",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "saved: the members smart button counts them",
            trigger: "button[name=action_view_members] .o_stat_value:contains(2)",
        },
    ],
});

// Contacts selected in the list, Actions → Add to segment, and no static segment yet: the
// marketer types a name and creates it there.
registry.category("web_tour.tours").add("partner_segmentation_add_to_new_segment_tour", {
    url: "/odoo/contacts?view_type=list",
    steps: () => [
        {
            trigger: ".o_data_row:contains('Fairgoer 0') .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_data_row:contains('Fairgoer 1') .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_cp_action_menus .dropdown-toggle",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .dropdown-item:contains('Add to segment')",
            run: "click",
        },
        {
            trigger: ".modal div[name=segment_id] input",
            run: "edit Trade fair 2026",
        },
        {
            content: "no such segment: create it from here",
            trigger: ".modal .o-autocomplete--dropdown-item a:contains('Create \"Trade fair 2026\"')",
            run: "click",
        },
        {
            trigger: ".modal div[name=segment_id] input:value(Trade fair 2026)",
        },
        {
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('Partners added to “Trade fair 2026”: 2.')",
        },
    ],
});
