/** @odoo-module */

import { Domain } from "@web/core/domain";
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { DomainField, domainField } from "@web/views/fields/domain/domain_field";

// The domain editor of a segment's conditions, without the editor's own "N record(s)"
// count. The segment form says how many partners match -- counted while the conditions
// are edited, in the segment's company, as the user may read them -- so the editor's
// count (in the user's current companies, on every opening, seconds at a million
// partners) would only be a second, different number. Validity is still checked, by
// PostgreSQL's EXPLAIN, which runs nothing.
//
// Conditions may use the date helpers (``context_today() - relativedelta(days=30)``): the
// server evaluates them at every recompute. Odoo's editor refuses them outside automation
// rules and saved filters (the form then would not save), or warns at every change.
export class SegmentDomainField extends DomainField {
    static template = "partner_segmentation.SegmentDomainField";

    allowExpressions() {
        return true;
    }

    getEvaluatedDomain(props = this.props) {
        try {
            return new Domain(this.getDomain(props)).toList(this.getContext(props));
        } catch {
            return { isInvalid: true };
        }
    }

    async checkProps(props = this.props) {
        const resModel = this.getResModel(props);
        const domain = resModel && this.getEvaluatedDomain(props);
        if (!resModel || domain.isInvalid) {
            this.updateState(resModel ? { isValid: false, recordCount: 0 } : {});
            return;
        }
        let isValid = false;
        try {
            isValid = await rpc("/web/domain/validate", { model: resModel, domain });
        } catch {
            isValid = false;
        }
        this.updateState({ isValid, recordCount: 0 });
    }
}

registry.category("fields").add("segment_domain", { ...domainField, component: SegmentDomainField });
