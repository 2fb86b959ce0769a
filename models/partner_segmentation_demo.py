import random
from datetime import timedelta

from odoo import api, fields, models

CITIES = ["Minsk", "Ghent", "Lille", "Paris", "Berlin", "Porto"]
DEMO_PRODUCT = "Segmentation demo subscription"


class PartnerSegmentationDemo(models.AbstractModel):
    """Demo data generator: realistic enough that a first look at segments shows something."""

    _name = "partner.segmentation.demo"
    _description = "Partner segmentation demo data"

    @api.model
    def _generate(self, partners_per_company=150, seed=42):
        rng = random.Random(seed)
        main = self.env.ref("base.main_company")
        second = self.env["res.company"].search([("name", "=", "Segmentation Demo Co")], limit=1)
        if not second:
            second = self.env["res.company"].create(
                {"name": "Segmentation Demo Co", "currency_id": main.currency_id.id}
            )
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= second
        # the partners and orders have no xml ids: uninstalling the addon keeps them, and a
        # second install only makes the segments again
        product = self.env["product.product"].search([("name", "=", DEMO_PRODUCT)], limit=1)
        if not product:
            product = self.env["product.product"].create(
                {"name": DEMO_PRODUCT, "type": "service", "list_price": 100.0, "company_id": False}
            )
            for company in main | second:
                self._generate_company(company, product, partners_per_company, rng)
        self._create_segments(main, second)

    def _generate_company(self, company, product, count, rng):
        env = self.with_company(company).env
        today = fields.Date.context_today(self)
        tag = env["res.partner.category"].search([("name", "=", "VIP")], limit=1) or env[
            "res.partner.category"
        ].create({"name": "VIP"})
        partners = env["res.partner"].create(
            [
                {
                    "name": f"{company.name[:12]} customer {i:03d}",
                    "is_company": i % 3 == 0,
                    "email": False if i % 11 == 0 else f"customer{i:03d}.c{company.id}@example.com",
                    "company_id": company.id,
                    "category_id": [(4, tag.id)] if i % 17 == 0 else [],
                    "city": CITIES[i % len(CITIES)],
                }
                for i in range(count)
            ]
        )
        for company_partner in partners.filtered("is_company")[:15]:
            env["res.partner"].create(
                {
                    "name": f"Contact of {company_partner.name}",
                    "parent_id": company_partner.id,
                    "email": f"contact.{company_partner.id}@example.com",
                    "company_id": company.id,
                }
            )
        orders = []
        for partner in partners:
            profile = rng.random()
            if profile < 0.15:  # never bought
                continue
            n = 1 if profile < 0.45 else rng.randint(2, 8)
            gap = rng.randint(15, 120)
            last = today - timedelta(days=rng.randint(0, 700))
            for k in range(n):
                orders.append((partner, last - timedelta(days=k * gap), rng.randint(1, 20)))
        sale_orders = env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": qty})],
                }
                for partner, _date, qty in orders
            ]
        )
        sale_orders.action_confirm()
        for order, (_partner, date, _qty) in zip(sale_orders, orders, strict=True):
            order.date_order = fields.Datetime.to_datetime(date)
        # open quotations and cancelled ones, open and lost opportunities
        prospects = partners.filtered(lambda p: not p.sale_order_ids)
        quotes = env["sale.order"].create(
            [
                {
                    "partner_id": p.id,
                    "company_id": company.id,
                    "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
                }
                for p in prospects
            ]
        )
        quotes[: len(quotes) // 2]._action_cancel()
        leads = env["crm.lead"].create(
            [
                {
                    "name": f"Opportunity {p.name}",
                    "partner_id": p.id,
                    "type": "opportunity",
                    "company_id": company.id,
                    "expected_revenue": rng.randint(500, 5000),
                }
                for p in partners.filtered(lambda p: p.id % 4 == 0)
            ]
        )
        leads[: len(leads) // 3].action_archive()

    def _create_segments(self, main, second):
        Segment = self.env["res.partner.segment"]
        segments = Segment.create(
            [
                {
                    "name": "Bought last year, not in the last 12 months",
                    "company_id": main.id,
                    "domain": "[('purchase_count_365d', '=', 0), ('days_since_last_purchase', '<=', 730)]",
                },
                {
                    "name": "Sleeping clients (no order for 6 months)",
                    "company_id": main.id,
                    "domain": "[('days_since_last_purchase', '>', 180)]",
                },
                {"name": "Customers in Minsk", "company_id": main.id, "domain": "[('city', '=', 'Minsk')]"},
                {"name": "VIP tag", "company_id": False, "domain": "[('category_id.name', '=', 'VIP')]"},
                {
                    "name": "No email (call them)",
                    "company_id": second.id,
                    "domain": "[('email', '=', False), ('sale_order_ids', '!=', False)]",
                },
                {"name": "Trade show 2026 visitors", "segment_type": "static", "company_id": main.id},
            ]
        )
        (main | second).action_recompute_lifecycle()
        segments.filtered(lambda s: s.segment_type == "dynamic").action_recompute()
        visitors = self.env["res.partner"].search([("company_id", "=", main.id), ("email", "!=", False)], limit=25)
        segments.filtered(lambda s: s.segment_type == "static").partner_ids = visitors
