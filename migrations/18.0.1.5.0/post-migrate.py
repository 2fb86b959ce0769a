def migrate(cr, version):
    """The lifecycle rows' own index on partner_id duplicated the leading column of their
    unique (partner_id, company_id) index: every row written maintained both."""
    cr.execute("DROP INDEX IF EXISTS res_partner_lifecycle__partner_id_index")
