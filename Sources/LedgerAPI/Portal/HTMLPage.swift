/// Text for HTML: every value that reaches a page goes through ``escaped``.
extension String {
    var escaped: String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for character in unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}

/// The frame of every page: its language, title, navigation and a small style sheet. No outside resource.
struct HTMLPage {
    /// Who the page is for: nobody yet (the sign-in page, without navigation), or a citizen on one of the views, whom
    /// every page names (a token handed over by a link signs in as whoever it is for).
    enum Frame {
        case signedOut
        case signedIn(_ subject: String, _ view: PortalView)
    }

    let language: PortalLanguage
    let frame: Frame
    /// The path and query this page is at, for the language switch to come back to.
    let path: String
    let body: String

    var text: String {
        let t = language
        var navigation = ""
        if case .signedIn(let subject, let current) = frame {
            navigation = """
                <nav aria-label="\(t(.title).escaped)"><ul>
                \(PortalView.allCases.map { view in
                    "<li><a href=\"\(view.path)\"\(view == current ? " aria-current=\"page\"" : "")>\(t(view.name).escaped)</a></li>"
                }.joined())
                </ul>
                <p class="who">\(t(.signedInAs).escaped): <strong id="signed-in-as">\(subject.escaped)</strong></p>
                <form method="post" action="/sign-out"><button type="submit">\(t(.signOut).escaped)</button></form></nav>
                """
        }
        let separator = path.contains("?") ? "&" : "?"
        return """
            <!doctype html>
            <html lang="\(t.rawValue)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(t(.title).escaped)</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <header><h1>\(t(.title).escaped)</h1>
            <a class="language" lang="\(t.other.rawValue)" href="\((path + separator + "lang=" + t.other.rawValue).escaped)">\(t.other(.languageName).escaped)</a>
            \(navigation)</header>
            <main>
            \(body)
            </main>
            <script src="/session.js"></script>
            </body>
            </html>
            """
    }

    /// Readable at 360 px, dark text on light ground (contrast above 7:1), focus always visible.
    static let style = """
        body{font-family:system-ui,"Noto Sans KR","NanumGothic",sans-serif;word-break:keep-all;overflow-wrap:break-word;margin:0 auto;max-width:80rem;padding:1rem;color:#1a1a1a;background:#fff;line-height:1.5}
        header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;border-bottom:2px solid #1a1a1a;margin-bottom:1rem}
        h1{font-size:1.4rem;flex:1 1 auto;margin:.5rem 0}
        nav{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;width:100%}
        nav ul{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;margin:0;padding:0}
        .who{margin:0 0 0 auto}
        a{color:#003f8a}
        a[aria-current=page]{font-weight:bold;text-decoration:none}
        :focus-visible{outline:3px solid #b35900;outline-offset:2px}
        .scroll{overflow-x:auto;margin-bottom:1.5rem}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;padding:.4rem;border-bottom:1px solid #6b6b6b;vertical-align:top}
        .violations{border-left:6px solid #a30000;padding-left:.75rem}
        .violation{color:#8a0000;font-weight:bold}
        .problem{border:2px solid #a30000;padding:.5rem}
        #browser-check{border:2px solid #6b6b6b;padding:0 .75rem;margin-top:1rem}
        #browser-check[data-state=verified]{border-color:#1b5e20;color:#0d3d12}
        #browser-check[data-state=refused]{border-color:#a30000;color:#8a0000}
        form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:1rem}
        label{display:flex;flex-direction:column;font-size:.9rem}
        @media (max-width:40rem){table,thead,tbody,tr,th,td{display:block}thead{position:absolute;left:-9999px}td::before{content:attr(data-label) ": ";font-weight:bold}tr{border-bottom:3px solid #1a1a1a;padding:.4rem 0}td{border:none;padding:.1rem .4rem}}
        """
}

/// The views a signed-in citizen moves between.
enum PortalView: CaseIterable {
    case accesses, consents, institutions, proof

    var path: String {
        switch self {
        case .accesses: "/accesses"
        case .consents: "/consents"
        case .institutions: "/institutions"
        case .proof: "/proof"
        }
    }

    var name: Phrase {
        switch self {
        case .accesses: .accesses
        case .consents: .consents
        case .institutions: .institutions
        case .proof: .proof
        }
    }
}
