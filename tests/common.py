import importlib.util
from pathlib import Path

from odoo.tests import TransactionCase, new_test_user


def migration(version):
    """The addon's post-migration script of ``version``, as a module (``migrate(cr, v)``)."""
    script = Path(__file__).parent.parent / "migrations" / version / "post-migrate.py"
    spec = importlib.util.spec_from_file_location(
        f"partner_segmentation_migrate_{version.replace('.', '_')}", script
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sell(env, partner, company, product, qty=1, confirm=True):
    """A quotation of ``qty`` ``product`` to ``partner`` in ``company``, confirmed unless
    ``confirm`` is false, through the ORM."""
    order = (
        env["sale.order"]
        .with_company(company)
        .create(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": qty})],
            }
        )
    )
    if confirm:
        order.action_confirm()
    return order


class SegmentCase(TransactionCase):
    """Two companies, a segmentation manager in A, a segmentation user in B, and partners.

    Saved segments are left to the scheduler, as on a large database (no recompute on
    save): the tests compute them when they mean to. ``TestMembersFollowSavedConditions``
    tests the recompute on save."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("partner_segmentation.recompute_on_save_limit", "0")
        cls.Segment = cls.env["res.partner.segment"]
        cls.Partner = cls.env["res.partner"]
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Segments Company B"})
        cls.manager_a = new_test_user(
            cls.env,
            login="seg_manager_a",
            company_id=cls.company_a.id,
            company_ids=cls.company_a.ids,
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "partner_segmentation.group_segment_manager",
        )
        cls.user_b = new_test_user(
            cls.env,
            login="seg_user_b",
            company_id=cls.company_b.id,
            company_ids=cls.company_b.ids,
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "partner_segmentation.group_segment_user",
        )
        cls.tag_vip = cls.env["res.partner.category"].create({"name": "Segment VIP"})
        cls.ghent, cls.lille, cls.paris, cls.vip = cls.Partner.create(
            [
                {"name": "Ghent Seg", "city": "Ghent", "email": "ghent@example.com"},
                {"name": "Lille Seg", "city": "Lille", "email": "lille@example.com"},
                {"name": "Paris Seg", "city": "Paris"},
                {"name": "VIP Seg", "city": "Ghent", "category_id": [(4, cls.tag_vip.id)]},
            ]
        )
        cls.product = cls.env["product.product"].create({"name": "Segment product", "list_price": 10})

    def make_segment(self, domain, **vals):
        return self.Segment.create({"name": vals.pop("name", domain), "domain": domain, **vals})

    def members(self, segment):
        """Members as read back from the database, not from the cache."""
        self.env.invalidate_all()
        return segment.partner_ids

    def confirmed_order(self, partner, date, company=None):
        order = (
            self.env["sale.order"]
            .with_company(company or self.company_a)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": (company or self.company_a).id,
                    "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 1})],
                }
            )
        )
        order.action_confirm()
        order.date_order = date
        return order
