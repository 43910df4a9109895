import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { navigate } from "./base/router";
import { startSession } from "./platform/session";
import { applyLocale } from "./i18n";
import { registerServiceWorker } from "./platform/pwa";
import { applyTheme } from "./theme/theme";
import "./styles/app.css";

applyTheme();
applyLocale();
startSession();
registerServiceWorker(navigate);

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
