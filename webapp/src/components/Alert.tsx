import type { ReactNode } from "react";

interface Props {
  kind?: "error" | "info" | "success" | "warning";
  children: ReactNode;
}

/** A message box. Errors interrupt screen readers (role=alert); the rest are polite status messages. */
export function Alert({ kind = "info", children }: Props) {
  return (
    <div className={`alert alert-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}
