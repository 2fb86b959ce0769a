"""18.0.1.3.0: ready-made segments became templates (``res.partner.segment.template``),
offered in every company. The archived segments that used to carry them are deleted when
nobody ever switched them on; a segment someone used stays, as that user's own."""

OLD_XMLIDS = (
    "segment_template_last_year_not_this_year",
    "segment_template_sleeping",
    "segment_template_vip",
    "segment_template_no_email",
    "segment_template_new_this_month",
    "segment_template_one_time",
    "segment_lifecycle_reactivation",
    "segment_lifecycle_new",
    "segment_lifecycle_active",
)


def migrate(cr, version):
    cr.execute(
        """DELETE FROM res_partner_segment s
            USING ir_model_data d
            WHERE d.module = 'partner_segmentation' AND d.name IN %s
              AND d.model = 'res.partner.segment' AND d.res_id = s.id
              AND NOT s.active AND s.last_computed_at IS NULL""",
        [OLD_XMLIDS],
    )
    cr.execute(
        "DELETE FROM ir_model_data WHERE module = 'partner_segmentation' AND name IN %s",
        [OLD_XMLIDS],
    )
