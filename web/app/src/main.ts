/** Entry point: finds out who is signed in, then renders the page the hash names. */
import "./styles.css";
import { ApiError } from "./api/client";
import { shell } from "./components/layout";
import { errorMessage, toast } from "./components/feedback";
import { mount } from "./lib/dom";
import { matchPath, navigate, parseHash, type Route } from "./lib/router";
import { authPage } from "./pages/auth";
import { boardsPage } from "./pages/boards";
import { contentPage } from "./pages/content";
import { creativePage } from "./pages/creative";
import { libraryPage } from "./pages/library";
import { taskPage } from "./pages/task";
import { tokensPage } from "./pages/tokens";
import { api, invalidateBoards, selection, session } from "./state";

export type Cleanup = () => void;
export type PageRender = (main: HTMLElement, route: Route) => Cleanup | void;

interface RouteDef {
  pattern: string;
  render: PageRender;
  title: string;
  public?: boolean;
}

const ROUTES: RouteDef[] = [
  { pattern: "/login", render: (m, r) => authPage(m, r, "login", onSignedIn), title: "Log in", public: true },
  { pattern: "/signup", render: (m, r) => authPage(m, r, "signup", onSignedIn), title: "Sign up", public: true },
  { pattern: "/library", render: libraryPage, title: "Library" },
  { pattern: "/creatives/:id", render: creativePage, title: "Creative" },
  { pattern: "/boards", render: boardsPage, title: "Boards" },
  { pattern: "/boards/:id", render: libraryPage, title: "Board" },
  { pattern: "/content", render: contentPage, title: "Content" },
  { pattern: "/content/:id", render: taskPage, title: "Content task" },
  { pattern: "/tokens", render: tokensPage, title: "API tokens" },
];

const app = document.getElementById("app") as HTMLElement;
let cleanup: Cleanup | void;
let afterLogin: string | null = null;

function onSignedIn(): void {
  const target = afterLogin ?? "#/library";
  afterLogin = null;
  location.hash = target;
}

async function logout(): Promise<void> {
  try {
    await api.logout();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      toast(errorMessage(error), "error");
      return;
    }
  }
  session.user = null;
  selection.clear();
  invalidateBoards();
  navigate("/login");
}

function render(): void {
  const route = parseHash(location.hash);
  if (route.path === "/" || route.path === "") {
    navigate(session.user ? "/library" : "/login");
    return;
  }
  let found: RouteDef | null = null;
  for (const def of ROUTES) {
    const params = matchPath(def.pattern, route.path);
    if (params) {
      found = def;
      route.params = params;
      break;
    }
  }
  if (found && !found.public && !session.user) {
    afterLogin = location.hash;
    navigate("/login");
    return;
  }
  if (found?.public && session.user) {
    navigate("/library");
    return;
  }
  if (typeof cleanup === "function") cleanup();
  cleanup = undefined;
  const { root, main } = shell({ email: session.user?.email ?? null, current: route.path, onLogout: () => void logout() });
  mount(app, root);
  document.title = `${found?.title ?? "Not found"} · Magic Mango`;
  if (!found) {
    mount(main, notFound());
  } else {
    cleanup = found.render(main, route);
  }
  // Move focus to the new page for keyboard and screen-reader users (not on first load).
  if (rendered) main.focus({ preventScroll: true });
  rendered = true;
  window.scrollTo(0, 0);
}
let rendered = false;

function notFound(): HTMLElement {
  const wrap = document.createElement("div");
  wrap.className = "state state-empty";
  wrap.innerHTML = '<h1>Page not found</h1><p><a href="#/library">Go to your library</a></p>';
  return wrap;
}

async function start(): Promise<void> {
  try {
    session.user = await api.me();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      // The API is down: show the log-in page with the reason rather than a blank screen.
      toast(`Cannot reach Magic Mango: ${errorMessage(error)}`, "error");
    }
    session.user = null;
  }
  window.addEventListener("hashchange", render);
  // A 401 on any call but signing in means the session ended: go to log-in.
  api.onUnauthorized = () => {
    if (!session.user) return;
    session.user = null;
    afterLogin = location.hash;
    toast("Your session ended. Please log in again.", "error");
    navigate("/login");
  };
  render();
}

void start();
