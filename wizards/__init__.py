from . import partner_segmentation_selection_mixin
from . import res_partner_segment_add_wizard
from . import res_partner_segment_mailing_wizard
from . import res_partner_segment_overlap
from . import res_partner_segment_explain
from . import base_partner_merge_automatic_wizard
