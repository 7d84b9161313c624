namespace Slipway.Cli.Dashboard;

/// <summary>The dashboard's one page: plain HTML, CSS and script, no external resource, updated by server-sent events.</summary>
public static class DashboardPage
{
    public const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Slipway</title>
        <link rel="icon" href="data:,">
        <style>
          body { font: 14px system-ui, sans-serif; margin: 2rem; color: #1d2530; }
          h1 { font-size: 1.3rem; } .muted { color: #6b7785; }
          table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
          th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #e3e7eb; vertical-align: top; }
          .ok { color: #137333; } .bad { color: #b3261e; } .busy { color: #8a5a00; }
          code { font-size: 13px; }
        </style>
        </head>
        <body>
        <h1>Slipway <span class="muted" id="status">connecting…</span></h1>
        <table>
          <thead><tr><th>app</th><th>environment</th><th>version</th><th>replicas</th><th>now</th><th>last releases</th></tr></thead>
          <tbody id="apps"><tr><td colspan="6" class="muted">loading…</td></tr></tbody>
        </table>
        <script>
        "use strict";
        window.slipwayLoadedAt = Date.now();
        const text = (tag, value, cls) => { const e = document.createElement(tag); e.textContent = value ?? ""; if (cls) e.className = cls; return e; };
        function render(state) {
          const body = document.getElementById("apps");
          body.replaceChildren();
          if (state.apps.length === 0) { body.append(text("tr")); body.firstChild.append(text("td", "no app deployed from this machine yet", "muted")); }
          for (const app of state.apps) {
            const row = document.createElement("tr");
            row.dataset.app = app.app;
            row.dataset.environment = app.environment;
            const name = document.createElement("td");
            if (app.url) { const a = text("a", app.app); a.href = app.url; name.append(a); } else name.append(text("span", app.app));
            row.append(name, text("td", app.environment + " (" + app.platform + ")"));
            const version = text("td", (app.version ?? "not deployed") + (app.canary ? " + canary " + app.canary.version + " (" + app.canary.percent + "%)" : ""),
              app.version ? "" : "muted");
            version.dataset.version = app.version ?? "";
            row.append(version);
            const healthy = app.replicas.filter(r => r.health === "healthy").length;
            row.append(text("td", app.replicas.length ? healthy + "/" + app.replicas.length + " healthy" : "–", healthy === app.replicas.length ? "ok" : "bad"));
            const now = app.inProgress ? text("td", "in progress: " + app.inProgress.command + " (" + app.inProgress.user + ")"
                + (app.inProgress.stage ? ", stage " + app.inProgress.stage : ""), "busy")
              : text("td", app.maintenance ? "maintenance" : "idle", app.maintenance ? "busy" : "muted");
            now.dataset.inProgress = app.inProgress ? "yes" : "no";
            row.append(now);
            const history = document.createElement("td");
            for (const r of app.releases) {
              const when = new Date(r.startedAt).toLocaleString();
              history.append(text("div", when + " " + r.action + " " + (r.version ?? "") + " " + r.result + " by " + r.user + "@" + r.host,
                r.result === "succeeded" || r.result === "no change" ? "" : "bad"));
            }
            row.append(history);
            body.append(row);
          }
          document.getElementById("status").textContent = state.platforms.join(" · ") + " · updated " + new Date().toLocaleTimeString();
        }
        const events = new EventSource("events" + location.search);
        events.addEventListener("state", e => render(JSON.parse(e.data)));
        events.onerror = () => { document.getElementById("status").textContent = "reconnecting…"; };
        </script>
        </body>
        </html>
        """;
}
