from datetime import date

from odoo.tests import TransactionCase, new_test_user, tagged

from ..bench import generate, run, scale


@tagged("post_install", "-at_install")
class TestBenchSmoke(TransactionCase):
    """`make bench` at 5,000 partners, through the very same generator and measuring code, so
    that it cannot rot. Measured as a non-admin segmentation manager whose current company
    is the second one: the data set is that company's."""

    PARTNERS = 5000

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Bench Company B"})
        cls.manager = new_test_user(
            cls.env,
            login="bench_manager_b",
            company_id=cls.company_b.id,
            company_ids=(cls.company_a | cls.company_b).ids,
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "mass_mailing.group_mass_mailing_user,partner_segmentation.group_segment_manager",
        )
        cls.today = date.today()
        cls.counts = generate.generate(
            cls.env.cr, partners=cls.PARTNERS, seed=0.42, today=cls.today, company_id=cls.company_b.id
        )
        cls.env.invalidate_all()

    def test_generated_data_set_is_seeded_and_realistic(self):
        self.assertEqual(self.counts["res_partner"], self.PARTNERS)
        self.assertEqual(self.counts["sale_order"], int(self.PARTNERS * 2.035))
        self.assertEqual(self.counts["tags"], self.PARTNERS // 20)
        cr = self.env.cr
        cr.execute(
            """SELECT count(*) FILTER (WHERE is_company), count(*) FILTER (WHERE parent_id IS NOT NULL),
                      count(*) FILTER (WHERE email IS NULL)
                 FROM res_partner WHERE name LIKE 'Bench partner %%'"""
        )
        companies, contacts, without_email = cr.fetchone()
        self.assertEqual((companies, contacts), (self.PARTNERS // 10, self.PARTNERS // 5))
        self.assertEqual(without_email, self.PARTNERS // 9)
        cr.execute(
            """SELECT count(*) FILTER (WHERE state = 'sale'), count(DISTINCT partner_id),
                      min(date_order) >= %s::date - 1461, max(date_order) < %s::date + 1
                 FROM sale_order WHERE name LIKE 'BENCH/%%' AND company_id = %s""",
            [self.today, self.today, self.company_b.id],
        )
        confirmed, buyers, after_start, before_end = cr.fetchone()
        # ~1.75 confirmed orders per partner, skewed: many partners never bought
        self.assertAlmostEqual(confirmed / self.PARTNERS, 1.75, delta=0.1)
        self.assertLess(buyers, self.PARTNERS * 0.85)
        self.assertTrue(after_start and before_end)

    def test_bench_measures_and_matches_the_references(self):
        env = self.env(user=self.manager, context={"allowed_company_ids": [self.company_b.id]})
        self.assertEqual(env.company, self.company_b)
        report = run.measure_all(env, repeats=1, today=self.today, mailing_size=900)
        self.assertEqual(report["available"], {"lifecycle": True, "metrics": True, "mailing": True})
        built = [s for s in report["segments"] if "reference" in s]
        self.assertEqual(
            [s["scenario"] for s in built],
            [
                "metrics: last purchase last year",
                "relation: bought last year, not this year",
                "live: no purchase for 90 days",
                "tag: VIP",
                "segment of a segment",
            ],
        )
        for scenario in built:
            self.assertTrue(scenario["same_members_as_reference"], scenario["scenario"])
            self.assertGreater(scenario["members"], 0, scenario["scenario"])
            self.assertGreater(scenario["reference"]["median"], 0)
            self.assertGreater(scenario["write_floor"]["median"], 0)
            self.assertGreater(scenario["write_floor_no_fk"]["median"], 0)
        self.assertFalse(
            self.env["res.partner.segment"].search([("name", "=", "Bench write floor")]),
            "the write floor's scratch segment is removed",
        )
        self.env.cr.execute("SELECT to_regclass('bench_member_no_fk')")
        self.assertIsNone(self.env.cr.fetchone()[0], "the foreign-key-free copy is dropped")
        naive = report["segments"][-1]
        self.assertTrue(naive["scenario"].startswith("naive ORM"))
        relation = next(s for s in built if s["scenario"].startswith("relation"))
        self.assertEqual(naive["members"], relation["members"])
        # the lifecycle was computed for the manager's current company only
        self.assertGreater(report["lifecycle"]["partners_with_stage"], self.PARTNERS // 2)
        self.env.cr.execute(
            """SELECT count(*) FROM res_partner_lifecycle l JOIN res_partner p ON p.id = l.partner_id
                WHERE p.name LIKE 'Bench partner %%' AND l.company_id = %s""",
            [self.company_a.id],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        mailing = report["mailing"]
        self.assertEqual(mailing["segment_members"], 900)
        self.assertEqual(mailing["subscribed"] + mailing["no_email"], 900)
        self.assertEqual(mailing["no_email"], 100)  # one generated partner in nine has none
        export = report["export"]
        self.assertEqual(export["members"], 900)
        # the generated partners belong to no company: the company user reads them all
        self.assertEqual(export["company_user_size_bytes"], export["size_bytes"])
        self.assertGreater(export["size_bytes"], 900 * 20)
        self.assertIn("members export of 900 partners", run.table(report))
        self.assertEqual(set(report["search"]), {"by lifecycle stage", "by segment"})
        self.assertEqual(set(report["forms"]), {s["scenario"] for s in built} - {"segment of a segment"})
        for times in report["forms"].values():
            self.assertGreater(times["open_form"]["median"], 0)
            self.assertGreater(times["why"]["median"], 0)
        self.assertIn(
            "live: no purchase for 90 days: Why? of one member (s)", [t["target"] for t in report["targets"]]
        )
        self.assertIn("open the segment form", run.table(report))
        self.assertLess(report["memory"]["growth_mb"], run.TARGETS["memory_growth_mb"])
        names = [t["target"] for t in report["targets"]]
        self.assertIn("lifecycle recompute, all partners (s)", names)
        self.assertIn("daily lifecycle run, 1 % bought (s)", names)
        daily = report["lifecycle"]["daily"]
        self.assertEqual((daily["share_bought"], daily["runs"]), (0.01, 1))
        self.env.cr.execute("SELECT count(*) FROM sale_order WHERE name LIKE 'BENCH-DAY/%%'")
        self.assertEqual(self.env.cr.fetchone()[0], 0, "the day's orders are removed after the measurement")
        only_lifecycle = {"lifecycle": report["lifecycle"]}  # make bench with BENCH_ONLY=lifecycle
        self.assertEqual(
            [t["target"] for t in run.check_targets(only_lifecycle)],
            ["lifecycle recompute, all partners (s)", "daily lifecycle run, 1 % bought (s)"],
        )
        self.assertIn("daily run after 1% bought", "\n".join(run.lifecycle_lines(only_lifecycle)))
        self.assertIn("unchanged mailing re-sync (s)", names)
        text = run.table(report)
        self.assertIn("segment recompute", text)
        self.assertIn("SQL insert", text)
        self.assertIn("targets:", text)

    def test_scaling_run_settles_each_run_and_takes_the_median_over_rounds(self):
        """`make bench-scale` at one size, through the very same code: every timed run starts
        after a CHECKPOINT, and a figure is the median over the rounds."""
        env = self.env(user=self.manager, context={"allowed_company_ids": [self.company_b.id]})
        settle = run.checkpoint_settle(self.env)
        self.assertIsNotNone(settle, "make test's database role may run CHECKPOINT")
        run.BEFORE_EACH_RUN.append(settle)
        self.addCleanup(run.BEFORE_EACH_RUN.clear)
        checkpoints = self._requested_checkpoints()
        rounds = [run.measure_scale(env, 1, None, 900) for _ in range(2)]
        # per round: 4 lifecycle timings; 4 segments' first build, rebuild, SQL select and
        # SQL insert; 2 syncs
        self.assertGreaterEqual(self._requested_checkpoints() - checkpoints, 2 * 22)
        first, second = (scale.figures(report) for report in rounds)
        merged = scale.size_figures(rounds)
        self.assertEqual(list(merged), list(first), "every figure, in the report's order")
        self.assertEqual(len(merged), 3 + 4 * 4)
        self.assertIn("floor: SQL insert, tag: VIP", merged)
        for name, seconds in merged.items():
            self.assertGreater(seconds, 0, name)
            self.assertAlmostEqual(seconds, (first[name] + second[name]) / 2, delta=0.0011, msg=name)

    def test_scale_report_ratio_per_doubling(self):
        """A figure that doubles with the partners grows 2x per doubling (met); one that
        triples, 3x (over the 2.2x target)."""

        def report(factor):
            return {
                "lifecycle": {"first": {"median": 10 * factor}, "daily": {"median": 2 * factor}},
                "mailing": {"first": {"median": 4 * factor**2}},
                "segments": [{"scenario": "tag", "first": {"median": factor}, "rebuild": {"median": factor}}],
            }

        # three rounds at 4000 partners, one a slow spell: the median leaves it out
        sizes, rows = scale.summary(
            {1000: [report(1)], 2000: [report(2)], 4000: [report(4), report(100), report(3)]}
        )
        self.assertEqual(sizes, [1000, 2000, 4000])
        by_name = {row["figure"]: row for row in rows}
        lifecycle, mailing = by_name["lifecycle first run"], by_name["mailing sync into an empty list"]
        self.assertEqual(lifecycle["seconds"], {1000: 10, 2000: 20, 4000: 40})
        self.assertEqual((lifecycle["per_doubling"], lifecycle["met"]), ([2.0, 2.0], True))
        self.assertEqual(mailing["seconds"], {1000: 4, 2000: 16, 4000: 64})
        self.assertEqual((mailing["per_doubling"], mailing["met"]), ([4.0, 4.0], False))
        self.assertEqual(len(rows), 5)
        text = scale.text(sizes, rows)
        self.assertIn("OVER mailing sync into an empty list", text)
        self.assertNotIn("OVER lifecycle first run", text)

    def _requested_checkpoints(self):
        cr = self.env.cr
        cr.execute("SELECT pg_stat_clear_snapshot(), to_regclass('pg_catalog.pg_stat_checkpointer')")
        if cr.fetchone()[1]:  # PostgreSQL 17 and later
            cr.execute("SELECT num_requested FROM pg_stat_checkpointer")
        else:
            cr.execute("SELECT checkpoints_req FROM pg_stat_bgwriter")
        return cr.fetchone()[0]

    def test_sections_not_yet_installed_are_reported_as_such(self):
        report = {
            "repeats": 1,
            "segments": [],
            "lifecycle": run.NOT_AVAILABLE,
            "mailing": run.NOT_AVAILABLE,
            "search": {"by lifecycle stage": run.NOT_AVAILABLE},
            "memory": {"start_mb": 1, "peak_mb": 2, "growth_mb": 1},
        }
        report["targets"] = run.check_targets(report)
        self.assertEqual([t["target"] for t in report["targets"]], ["Odoo process memory growth (MB)"])
        text = run.table(report)
        self.assertIn("lifecycle recompute: not available yet", text)
        self.assertIn("mailing sync: not available yet", text)
