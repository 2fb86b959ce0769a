import io
from pathlib import Path

from babel.messages.pofile import read_po

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

POT = Path(__file__).parent.parent / "i18n" / "partner_segmentation.pot"


@tagged("post_install", "-at_install")
class TestTranslationTemplate(TransactionCase):
    """i18n/partner_segmentation.pot is Odoo's own export of the addon's terms, kept current:
    a translatable term added to the code, views or data without re-exporting fails here.
    Re-export with `make pot`."""

    def test_every_translatable_term_is_in_the_pot(self):
        buffer = io.BytesIO()
        trans_export(False, ["partner_segmentation"], buffer, "po", self.env.cr)
        exported = {message.id for message in read_po(io.BytesIO(buffer.getvalue())) if message.id}
        with POT.open("rb") as stored:
            in_file = {message.id for message in read_po(stored) if message.id}
        self.assertGreater(len(exported), 100, "the export holds the addon's terms")
        missing = sorted(str(term) for term in exported - in_file)
        self.assertFalse(missing, f"terms missing from {POT.name} (run `make pot`): {missing[:10]}")
