import { type FormEvent, type ReactNode, useMemo, useState } from "react";
import { createApiClient } from "./api/api-client.js";
import { ApiContext } from "./api/api-context.js";
import { ChangeRequestsPage } from "./pages/change-requests-page.js";
import { ExperimentFormPage } from "./pages/experiment-form-page.js";
import { ExperimentPage } from "./pages/experiment-page.js";
import { ExperimentsPage } from "./pages/experiments-page.js";
import { FlagPage } from "./pages/flag-page.js";
import { FlagsPage } from "./pages/flags-page.js";
import { KeysPage } from "./pages/keys-page.js";
import { hrefOf, type Route, useRoute } from "./router.js";

export const API_KEY_STORAGE = "assay.apiKey";

function KeyForm({
  apiKey,
  onSave,
}: {
  readonly apiKey: string;
  readonly onSave: (key: string) => void;
}): ReactNode {
  const [text, setText] = useState(apiKey);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    onSave(text.trim());
  };
  return (
    <form className="key-form" onSubmit={submit}>
      <label>
        <span className="visually-hidden">API key</span>
        <input
          type="password"
          autoComplete="off"
          placeholder="API key (assay_…)"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      <button type="submit" className="button-small">
        {apiKey === "" ? "Use key" : "Change key"}
      </button>
    </form>
  );
}

function Page({ route }: { readonly route: Route }): ReactNode {
  switch (route.page) {
    case "experiments":
      return <ExperimentsPage />;
    case "experiment":
      return <ExperimentPage key={route.key} experimentKey={route.key} />;
    case "edit":
      return <ExperimentFormPage key={`edit:${route.key}`} editKey={route.key} />;
    case "new":
      return <ExperimentFormPage key="new" />;
    case "flags":
      return <FlagsPage />;
    case "flag":
      return <FlagPage key={route.key} flagKey={route.key} />;
    case "change_requests":
      return <ChangeRequestsPage />;
    case "keys":
      return <KeysPage />;
    default:
      return (
        <div className="state state-empty">
          No page at <code>{route.path}</code>.{" "}
          <a href={hrefOf({ page: "experiments" })}>Go to the experiments</a>.
        </div>
      );
  }
}

/** The dashboard shell: navigation, the API key, and the page of the current route. */
export function App(): ReactNode {
  const route = useRoute();
  const [apiKey, setApiKey] = useState(() => localStorage.getItem(API_KEY_STORAGE) ?? "");
  const api = useMemo(() => createApiClient({ getKey: () => apiKey }), [apiKey]);
  const save = (key: string): void => {
    localStorage.setItem(API_KEY_STORAGE, key);
    setApiKey(key);
  };
  const current = (page: Route["page"]): "page" | undefined =>
    route.page === page ||
    (page === "experiments" && route.page === "experiment") ||
    (page === "flags" && (route.page === "flag" || route.page === "change_requests"))
      ? "page"
      : undefined;
  return (
    <ApiContext.Provider value={api}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href={hrefOf({ page: "experiments" })}>
          Assay
        </a>
        <nav aria-label="Main">
          <a href={hrefOf({ page: "experiments" })} aria-current={current("experiments")}>
            Experiments
          </a>
          <a href={hrefOf({ page: "flags" })} aria-current={current("flags")}>
            Flags
          </a>
          <a href={hrefOf({ page: "new" })} aria-current={current("new")}>
            New experiment
          </a>
          <a href={hrefOf({ page: "keys" })} aria-current={current("keys")}>
            Keys
          </a>
        </nav>
        <KeyForm key={apiKey} apiKey={apiKey} onSave={save} />
      </header>
      <main id="main" tabIndex={-1}>
        <Page key={apiKey} route={route} />
      </main>
    </ApiContext.Provider>
  );
}
