/// The page's own scripts (docs/portal.md), each served at its path; the page reads and works without them.
enum PortalScripts {
    /// Every script by the path it is served at: these, and the offline verifier's checks (``VerifierChecks``).
    static let all = [("/checks.js", VerifierChecks.script), ("/proof.js", proof), ("/session.js", session)]

    /// The sign-in page's: a token handed over in the page's fragment (`/#token=…`) by the citizen's identity provider
    /// or MyData app is taken out of the address at once, then posted to `/session` from this page, so it is never in
    /// a URL a server sees or logs, nor in the browser's history.
    static let session = #"""
        "use strict";
        (() => {
          const token = new URLSearchParams(location.hash.slice(1)).get("token");
          if (!token) return;
          history.replaceState(null, "", location.pathname + location.search);
          const form = document.createElement("form");
          form.method = "post";
          form.action = "/session";
          form.hidden = true;
          const field = document.createElement("input");
          Object.assign(field, { type: "hidden", name: "token", value: token });
          form.append(field);
          document.body.append(form);
          form.submit();
        })();
        """#

    /// The proof view's check in the browser: it fetches the citizen's bundle, checks it with the offline verifier's
    /// own checks (`/checks.js`), and holds the view's table to what the bundle proves. Its words come from the page
    /// (the section's `data-` attributes), which takes them from ``Phrase``.
    static let proof = #"""
        "use strict";
        (() => {
          const section = document.getElementById("browser-check");
          const result = document.getElementById("browser-check-result");
          const say = (state, text) => { section.dataset.state = state; result.textContent = text; };

          // Each row of the ledger table must be a proven ledger with its numbers; a newer checkpoint than the view's
          // replaces them (the ledger grew since the page was made), anything else is a page that says what is not proven.
          function compare(proven) {
            const rows = [...document.querySelectorAll("#ledger-list tbody tr")];
            for (const row of rows) {
              const ledger = proven.ledgers.find((l) => l.name === row.dataset.ledger);
              const cells = row.querySelectorAll("td");
              const witnesses = ledger?.witnessedBy.length ? [...ledger.witnessedBy].sort().join(", ") : section.dataset.none;
              const shown = [cells[1].textContent, cells[2].textContent, cells[3].textContent.split(", ").sort().join(", ")];
              const provenCells = [String(ledger?.size), String(ledger?.entries), witnesses];
              if (!ledger || (shown[0] === provenCells[0] && shown.some((text, i) => text !== provenCells[i]))) return row.dataset.ledger;
              provenCells.forEach((text, i) => { cells[i + 1].textContent = text; });
              row.dataset.checked = "true";
            }
            const missing = proven.ledgers.find((ledger) => !rows.some((row) => row.dataset.ledger === ledger.name));
            return missing?.name ?? null;
          }

          async function check() {
            say("checking", section.dataset.checking);
            try {
              const answer = await fetch("/bundle", { credentials: "same-origin" });
              if (!answer.ok) throw new Refusal("format", `HTTP ${answer.status}`);
              let bundle;
              try { bundle = JSON.parse(strictUTF8.decode(await answer.arrayBuffer())); }
              catch (error) { throw new Refusal("format", error.message); }
              const policy = await parsePolicy(section.dataset.policy);
              const proven = await checkBundle(bundle, fromBase64(section.dataset.ledgerKey), policy, () => {});
              const differing = compare(proven);
              if (differing) say("refused", section.dataset.mismatch.replace("{ledger}", differing));
              else say("verified", section.dataset.verified);
            } catch (error) {
              say("refused", `${section.dataset.refused} ${explain(error, document.documentElement.lang)}`);
            }
          }

          section.hidden = false;
          section.addEventListener("recheck", check);
          check();
        })();
        """#
}
