from . import sale_report
from . import res_partner_segment_performance
