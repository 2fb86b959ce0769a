{
    "name": "Partner Segmentation & Lifecycle",
    "summary": "Dynamic and static customer segments, lifecycle stages per company, "
    "synced into mass mailing lists, fast at a million partners",
    "version": "18.0.1.3.0",
    "category": "Marketing",
    "license": "LGPL-3",
    "author": "partner_segmentation",
    "website": "https://github.com/odoo/odoo",
    "depends": ["contacts", "mass_mailing", "sale", "crm"],
    "data": [
        "security/partner_segmentation_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "data/res_partner_segment_template_data.xml",
        "wizards/res_partner_segment_add_wizard_views.xml",
        "wizards/res_partner_segment_mailing_wizard_views.xml",
        "views/res_partner_segment_template_views.xml",
        "views/res_partner_segment_history_views.xml",
        "views/res_partner_segment_event_views.xml",
        "views/res_partner_segment_views.xml",
        "views/res_partner_segment_push_views.xml",
        "wizards/res_partner_segment_overlap_wizard_views.xml",
        "wizards/res_partner_segment_explain_wizard_views.xml",
        "views/res_partner_views.xml",
        "views/res_partner_lifecycle_views.xml",
        "views/res_partner_lifecycle_snapshot_views.xml",
        "views/res_partner_lifecycle_transition_views.xml",
        "views/res_config_settings_views.xml",
        "views/partner_segmentation_menus.xml",
    ],
    "demo": [
        "demo/partner_segmentation_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "partner_segmentation/static/src/fields/*",
            "partner_segmentation/static/src/scss/*",
        ],
        "web.assets_tests": [
            "partner_segmentation/static/tests/tours/*.js",
        ],
    },
}
