"""18.0.1.10.0: orders are dated in the company's time zone, as its days are (they were cut
to a date in UTC). Every company's next lifecycle run is a full one, which dates every
customer's purchases again: a daily run would redo only the customers changed since."""


def migrate(cr, version):
    cr.execute("UPDATE res_company SET lifecycle_last_date = NULL")
