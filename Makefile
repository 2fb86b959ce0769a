# The two commands of the README, plus the benchmark and the linters.
.PHONY: run test test-odoo bench bench-scale bench-smoke lint pot

run:          ## set up, create a demo database and serve Odoo on http://localhost:8069
	bash tools/run.sh

test:         ## set up, install on a throw-away database and run every test (tours included)
	bash tools/test.sh

test-odoo:    ## Odoo's own suites of crm, mass_mailing(_sms), sale, contacts without/with the addon
	bash tools/odoo_suites.sh

bench:        ## 1M-partner benchmark, table + JSON in bench/results/
	bash tools/bench.sh

bench-scale:  ## scaling run at 250k, 500k, 1M, 2M partners: ratio per doubling, plot in bench/results/
	bash tools/bench_scale.sh

lint:
	bash tools/lint.sh

pot:          ## re-export i18n/partner_segmentation.pot with Odoo's --i18n-export
	bash tools/pot.sh
