import "./compliance.css";
import { SubNav } from "../components/SubNav";

/** The compliance console's sections, as tabs. */
export function ComplianceNav() {
  return (
    <SubNav
      label="compliance.title"
      links={[
        { to: "/compliance/search", label: "compliance.search" },
        { to: "/compliance/audit", label: "compliance.audit" },
        { to: "/compliance/retention", label: "compliance.retention" },
        { to: "/compliance/holds", label: "compliance.holds" },
        { to: "/compliance/journal", label: "compliance.journal" },
      ]}
    />
  );
}
