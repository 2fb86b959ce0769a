from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from .common import SegmentCase

# Columns this addon adds to tables of other modules: none may refuse a row that a module
# unaware of us inserts (issue 16: a NOT NULL lifecycle_cycle_mode broke crm's own tests).
ADDED_COLUMNS = {
    "res.company": [
        "lifecycle_cycle_mode",
        "lifecycle_cycle_days",
        "lifecycle_default_cycle_days",
        "lifecycle_cycle_measured",
        "lifecycle_new_factor",
        "lifecycle_churn_factor",
        "lifecycle_dormant_factor",
        "lifecycle_active_count",
        "lifecycle_last_run",
        "lifecycle_last_date",
        "lifecycle_applied",
    ],
    "mailing.subscription": ["segment_sync", "segment_sync_channel"],
}


@tagged("post_install", "-at_install")
class TestCoreTablesAcceptForeignRows(SegmentCase):
    def test_no_added_column_is_not_null(self):
        for model, fnames in ADDED_COLUMNS.items():
            Model = self.env[model]
            self.assertEqual(
                sorted(
                    f
                    for f, field in Model._fields.items()
                    if field._module == "partner_segmentation" and field.store and field.column_type
                ),
                sorted(fnames),
                f"{model}: list every column we add here",
            )
            self.env.cr.execute(
                SQL(
                    """SELECT column_name FROM information_schema.columns
                    WHERE table_name = %s AND column_name IN %s AND is_nullable = 'NO'""",
                    Model._table,
                    tuple(fnames),
                )
            )
            self.assertEqual(self.env.cr.fetchall(), [], model)

    def insert_unaware(self, model, copy_id, **values):
        """Insert a row as a module unaware of this addon would: every column it knows
        (copied from an existing row, less ours), ours left out."""
        table = self.env[model]._table
        self.env.cr.execute(SQL("SELECT column_name FROM information_schema.columns WHERE table_name = %s", table))
        ours = set(ADDED_COLUMNS.get(model, []))
        columns = [c for (c,) in self.env.cr.fetchall() if c != "id" and c not in ours]
        selected = [SQL("%s", values[c]) if c in values else SQL.identifier(c) for c in columns]
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s) SELECT %s FROM %s WHERE id = %s RETURNING id",
                SQL.identifier(table),
                SQL(", ").join(map(SQL.identifier, columns)),
                SQL(", ").join(selected),
                SQL.identifier(table),
                copy_id,
            )
        )
        return self.env.cr.fetchone()[0]

    def test_company_and_partner_inserted_by_plain_sql_work_everywhere(self):
        company = self.env["res.company"].browse(
            self.insert_unaware("res.company", self.env.company.id, name="Unaware Co")
        )
        template = self.env["res.partner"].create({"name": "Template"})
        partner = self.env["res.partner"].browse(
            self.insert_unaware(
                "res.partner",
                template.id,
                name="Unaware partner",
                email="unaware@example.com",
                email_normalized="unaware@example.com",
            )
        )
        self.env.cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id = %s", [partner.id])
        self.env.invalidate_all()
        self.env.user.company_ids |= company
        # lifecycle: settings missing in the row read as their defaults
        self.confirmed_order(partner, fields.Datetime.now(), company)
        company.action_recompute_lifecycle()
        self.assertEqual(company.lifecycle_cycle_days, 30)
        self.assertEqual(partner.with_company(company).lifecycle_stage, "new")
        # segments of that company, and a push of them into a mailing list
        segment = self.env["res.partner.segment"].create(
            {"name": "Unaware", "company_id": company.id, "domain": "[('lifecycle_stage', '=', 'new')]"}
        )
        segment.action_recompute()
        self.assertEqual(segment.partner_ids, partner)
        mlist = self.env["mailing.list"].create({"name": "Unaware list"})
        segment._push_to_list(mlist, "sync")
        self.assertEqual(mlist.contact_ids.email_normalized, "unaware@example.com")

    def test_lifecycle_settings_are_administrators(self):
        """As the README says: segmentation managers recompute; the lifecycle settings are
        a Settings page, for Odoo administrators."""
        manager = new_test_user(
            self.env,
            login="seg_settings_manager",
            groups="base.group_user,partner_segmentation.group_segment_manager",
        )
        company = self.env.company.with_user(manager)
        company.action_recompute_lifecycle()
        with self.assertRaises(AccessError):
            company.lifecycle_cycle_mode = "fixed"
        admin = new_test_user(self.env, login="seg_settings_admin", groups="base.group_user,base.group_system")
        self.env.company.with_user(admin).lifecycle_cycle_mode = "fixed"
        self.assertEqual(self.env.company.lifecycle_cycle_mode, "fixed")
