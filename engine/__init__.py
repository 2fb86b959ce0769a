"""Set-based SQL jobs, one per module, each taking a cursor and ``SQL`` fragments.

Model methods stay thin (access, company, cache); the work proportional to the number of
partners happens here, inside PostgreSQL.
"""

from . import batch
from . import domain
from . import insights
from . import lifecycle
from . import mailing
from . import membership
from . import rfm
