#!/usr/bin/env bash
# `make pot`: i18n/partner_segmentation.pot, exported by Odoo itself (--i18n-export) from a
# throw-away database with the addon installed. tests/test_translations.py fails when a
# translatable term is missing from it.
source "$(dirname "$0")/env.sh"
setup_all
DB="ps_pot_$$_$(date +%s)"
# A copy without .build: Odoo's export follows symlinks, and .build links back to the addon.
COPY=$(mktemp -d)
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1 || true; rm -rf "$DATA_DIR/filestore/$DB" "$COPY"' EXIT
mkdir -p "$COPY/partner_segmentation"
tar -C "$ADDON_DIR" --exclude=./.build --exclude=./.git -cf - . | tar -C "$COPY/partner_segmentation" -xf -
create_db_from_template "$DB"
write_conf "$DB"
paths="--addons-path=$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$COPY"
odoo_bin -d "$DB" "$paths" -i partner_segmentation --without-demo=all --stop-after-init --log-level=warn
mkdir -p "$ADDON_DIR/i18n"
odoo_bin -d "$DB" "$paths" --i18n-export="$ADDON_DIR/i18n/partner_segmentation.pot" \
  --modules=partner_segmentation --stop-after-init --log-level=warn
log "Wrote i18n/partner_segmentation.pot ($(grep -c '^msgid' "$ADDON_DIR/i18n/partner_segmentation.pot") terms)"
