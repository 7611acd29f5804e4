/// The citizen's page in one language: Korean, the default, or English. Every string the page shows is a
/// ``Phrase``, and each language answers every phrase (a switch, so that a phrase without a translation does not
/// compile).
enum PortalLanguage: String, CaseIterable, Sendable {
    case korean = "ko"
    case english = "en"

    /// `lang` of a query or cookie, else the first of `Accept-Language` this page speaks, else Korean.
    init(choice: String?, acceptLanguage: String?) {
        if let choice, let language = Self(rawValue: choice) {
            self = language
            return
        }
        let preferred = (acceptLanguage ?? "").split(separator: ",").map {
            $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
        }
        self =
            preferred.lazy.compactMap { tag in Self.allCases.first { tag == $0.rawValue || tag.hasPrefix($0.rawValue + "-") } }.first
            ?? .korean
    }

    var other: PortalLanguage { self == .korean ? .english : .korean }

    func callAsFunction(_ phrase: Phrase) -> String {
        switch self {
        case .korean: phrase.korean
        case .english: phrase.english
        }
    }
}

/// Everything the page says.
enum Phrase: Sendable {
    case title, languageName, signIn, signInDevelopment, subjectIdentifier, signInButton, signOut, signedInAs
    case accesses, consents, institutions
    case when, institution, data, records, form, purpose, dataHolder, consent, verdict, findings
    case violationsHeading, violationsExplained, otherAccessesHeading, noAccesses
    case allVerdicts, filter, from, until, next
    case grantedBy, recipients, purposes, categories, validFrom, validUntil, status
    case accessCount, noInstitutions, noConsents
    case tokenRefused
    case verdictCovered, verdictNoConsent, verdictRecipient, verdictPurpose, verdictCategory, verdictNotYetValid, verdictExpired
    case verdictRevoked, verdictRejected, verdictNotApplied, verdictRecorded
    case statusActive, statusPending, statusExpired, statusRevoked, statusSuperseded
    case formIdentified, formPseudonymised, formAnonymised
    case proof, proofExplained, ledger, checkpointSize, myEntries, cosignedBy, notCosigned, pendingLedgers, downloadBundle
    case signInProduction
    case crossSite, ledgerWitnesses, noWitnesses, erasedAtRequest
    case browserCheck, browserChecking, browserVerified, browserRefused, browserMismatch, browserNoScript
    case history, changeGranted, changeRegranted, changeRevoked, changeSuperseded, replacedBy, leafAt

    var korean: String {
        switch self {
        case .title: "내 정보 접근 내역"
        case .languageName: "한국어"
        case .signIn: "로그인"
        case .signInDevelopment: "개발용 로그인: 식별자만으로 들어갑니다. 운영 환경에서는 본인인증 기관이나 마이데이터 앱이 넘겨준 토큰으로만 들어올 수 있습니다."
        case .subjectIdentifier: "정보주체 식별자 (CI)"
        case .signInButton: "들어가기"
        case .signOut: "로그아웃"
        case .signedInAs: "로그인한 정보주체"
        case .accesses: "내 정보 접근 내역"
        case .consents: "내 동의"
        case .institutions: "기관"
        case .when: "일시"
        case .institution: "기관"
        case .data: "정보"
        case .records: "건수"
        case .form: "형태"
        case .purpose: "목적"
        case .dataHolder: "정보 보유 기관"
        case .consent: "동의"
        case .verdict: "판정"
        case .findings: "발견 사항"
        case .violationsHeading: "동의 없이 이루어진 접근"
        case .violationsExplained: "아래 접근은 그 시점에 유효한 동의가 허락하지 않은 것입니다. 기관에 문의하거나 개인정보보호위원회에 신고할 수 있습니다."
        case .otherAccessesHeading: "그 밖의 기록"
        case .noAccesses: "기록된 접근이 없습니다."
        case .allVerdicts: "모든 판정"
        case .filter: "보기"
        case .from: "부터"
        case .until: "까지"
        case .next: "다음"
        case .grantedBy: "동의를 기록한 기관"
        case .recipients: "받는 기관"
        case .purposes: "목적"
        case .categories: "정보 종류"
        case .validFrom: "시작"
        case .validUntil: "종료"
        case .status: "상태"
        case .accessCount: "접근 횟수"
        case .noInstitutions: "내 정보에 접근한 기관이 없습니다."
        case .noConsents: "기록된 동의가 없습니다."
        case .tokenRefused: "다시 로그인해 주세요: 토큰이 거부되었습니다."
        case .verdictCovered: "동의 범위 안"
        case .verdictNoConsent: "동의 없음"
        case .verdictRecipient: "받는 기관이 동의에 없음"
        case .verdictPurpose: "목적이 동의에 없음"
        case .verdictCategory: "정보 종류가 동의에 없음"
        case .verdictNotYetValid: "동의 시작 전"
        case .verdictExpired: "동의 만료 후"
        case .verdictRevoked: "동의 철회 후"
        case .verdictRejected: "거부된 기록 (검증 실패)"
        case .verdictNotApplied: "반영되지 않은 기록 (중복)"
        case .verdictRecorded: "기록됨"
        case .statusActive: "유효"
        case .statusPending: "시작 전"
        case .statusExpired: "만료"
        case .statusRevoked: "철회"
        case .statusSuperseded: "대체됨"
        case .formIdentified: "식별 정보"
        case .formPseudonymised: "가명 정보"
        case .formAnonymised: "익명 정보"
        case .proof: "증명"
        case .proofExplained:
            "원장은 서명한 체크포인트마다 내 기록 전체를 증명합니다. 아래 파일을 내려받으면 원장 운영자를 믿지 않고도 누구나 확인할 수 있습니다: 운영자가 아닌 곳에서 받은 verify.html을 브라우저로 열거나, ledgerctl check-bundle 파일 --ledger-key 원장키 --policy 신뢰정책."
        case .ledger: "원장"
        case .checkpointSize: "체크포인트 (기록 수)"
        case .myEntries: "내 기록"
        case .cosignedBy: "공동 서명한 감시자"
        case .notCosigned: "아직 없음"
        case .pendingLedgers: "아직 체크포인트가 없어 증명할 수 없는 원장"
        case .downloadBundle: "내 기록 전체와 증명 내려받기 (JSON)"
        case .signInProduction: "본인인증 기관이나 마이데이터 앱을 통해 로그인해 주세요."
        case .history: "이력"
        case .changeGranted: "동의"
        case .changeRegranted: "다시 동의"
        case .changeRevoked: "철회"
        case .changeSuperseded: "대체됨"
        case .replacedBy: "새 동의"
        case .leafAt: "기록 위치"
        case .crossSite: "다른 사이트에서 보낸 로그인 요청은 받지 않습니다. 이 페이지에서 다시 로그인해 주세요."
        case .ledgerWitnesses: "이 원장의 체크포인트에 공동 서명하는 감시자"
        case .noWitnesses: "없음 (원장이 나에게만 다른 기록을 보여 주지 않는지 아무도 확인하지 않습니다)"
        case .erasedAtRequest: "삭제됨: {institution}의 요청으로 {when}에 내용을 지웠습니다 (기록 위치 #{leaf}). 접근이 있었다는 사실과 판정은 원장에 남습니다."
        case .browserCheck: "이 브라우저에서 확인"
        case .browserChecking: "내 기록 전체와 증명을 받아 이 브라우저에서 확인하는 중입니다…"
        case .browserVerified:
            "확인됨: 위 표의 숫자는 원장 키로 서명된 체크포인트와 내 기록 전체의 증명에서 나온 것입니다. 이 확인에 쓴 키는 이 서버가 준 것입니다. 서버를 믿지 않고 확인하려면 내려받은 파일을 믿을 수 있는 곳의 verify.html이나 ledgerctl check-bundle로 확인하세요."
        case .browserRefused: "확인되지 않음:"
        case .browserMismatch: "확인되지 않음: 원장 {ledger}에 대해 이 페이지의 숫자가 증명과 다릅니다. 새로 고침한 뒤에도 같으면 감독기관에 알려 주세요."
        case .browserNoScript: "JavaScript가 꺼져 있어 이 브라우저에서는 확인하지 않았습니다. 내려받은 파일을 verify.html이나 ledgerctl check-bundle로 확인하세요."
        }
    }

    var english: String {
        switch self {
        case .title: "Who accessed my data"
        case .languageName: "English"
        case .signIn: "Sign in"
        case .signInDevelopment:
            "Development sign-in: an identifier is all it takes. In production only a token from your identity provider or MyData app signs you in."
        case .subjectIdentifier: "Subject identifier (CI)"
        case .signInButton: "Sign in"
        case .signOut: "Sign out"
        case .signedInAs: "Signed in as"
        case .accesses: "My accesses"
        case .consents: "My consents"
        case .institutions: "Institutions"
        case .when: "When"
        case .institution: "Institution"
        case .data: "Data"
        case .records: "Records"
        case .form: "Form"
        case .purpose: "Purpose"
        case .dataHolder: "Data holder"
        case .consent: "Consent"
        case .verdict: "Verdict"
        case .findings: "Findings"
        case .violationsHeading: "Accesses without consent"
        case .violationsExplained:
            "No consent in force at the time allowed these accesses. You can ask the institution, or report them to the Personal Information Protection Commission."
        case .otherAccessesHeading: "Other records"
        case .noAccesses: "No accesses are recorded."
        case .allVerdicts: "All verdicts"
        case .filter: "Show"
        case .from: "From"
        case .until: "Until"
        case .next: "Next"
        case .grantedBy: "Recorded by"
        case .recipients: "Recipients"
        case .purposes: "Purposes"
        case .categories: "Data categories"
        case .validFrom: "Valid from"
        case .validUntil: "Valid until"
        case .status: "Status"
        case .accessCount: "Accesses"
        case .noInstitutions: "No institution has accessed your data."
        case .noConsents: "No consents are recorded."
        case .tokenRefused: "Please sign in again: the token was refused."
        case .verdictCovered: "Covered by consent"
        case .verdictNoConsent: "No consent"
        case .verdictRecipient: "Recipient not in the consent"
        case .verdictPurpose: "Purpose not in the consent"
        case .verdictCategory: "Data category not in the consent"
        case .verdictNotYetValid: "Before the consent began"
        case .verdictExpired: "After the consent expired"
        case .verdictRevoked: "After the consent was revoked"
        case .verdictRejected: "Rejected record (failed its checks)"
        case .verdictNotApplied: "Not applied (a duplicate)"
        case .verdictRecorded: "Recorded"
        case .statusActive: "Active"
        case .statusPending: "Not yet valid"
        case .statusExpired: "Expired"
        case .statusRevoked: "Revoked"
        case .statusSuperseded: "Superseded"
        case .formIdentified: "Identified"
        case .formPseudonymised: "Pseudonymised"
        case .formAnonymised: "Anonymised"
        case .proof: "Proof"
        case .proofExplained:
            "At every checkpoint it signs, the ledger proves your whole history. Download the file below, and anyone can check it without trusting the ledger's operator: open verify.html, taken from anywhere but the operator, in a browser, or run ledgerctl check-bundle FILE --ledger-key KEY --policy POLICY."
        case .ledger: "Ledger"
        case .checkpointSize: "Checkpoint (records)"
        case .myEntries: "My records"
        case .cosignedBy: "Cosigned by witnesses"
        case .notCosigned: "none yet"
        case .pendingLedgers: "Ledgers without a checkpoint yet, which cannot prove anything"
        case .downloadBundle: "Download my whole history with its proofs (JSON)"
        case .signInProduction: "Please sign in through your identity provider or MyData app."
        case .history: "History"
        case .changeGranted: "Granted"
        case .changeRegranted: "Granted again"
        case .changeRevoked: "Revoked"
        case .changeSuperseded: "Superseded"
        case .replacedBy: "replaced by"
        case .leafAt: "recorded at"
        case .crossSite: "A sign-in sent from another site is refused. Please sign in again from this page."
        case .ledgerWitnesses: "Witnesses that cosign this ledger's checkpoints"
        case .noWitnesses: "none (nobody checks that the ledger does not show you alone another history)"
        case .erasedAtRequest:
            "Erased at {institution}'s request on {when} (recorded at #{leaf}): that the access happened, and its verdict, stay in the ledger."
        case .browserCheck: "Checked in this browser"
        case .browserChecking: "Fetching your whole history with its proofs and checking it in this browser…"
        case .browserVerified:
            "Verified: the numbers above come from checkpoints signed by the ledger key and from the proof of your whole history. The keys this check used came from this server; to check without trusting it, check the downloaded file with verify.html from a place you trust, or with ledgerctl check-bundle."
        case .browserRefused: "Not verified:"
        case .browserMismatch:
            "Not verified: for ledger {ledger}, this page's numbers are not what the proof says. If they still differ after a reload, tell the regulator."
        case .browserNoScript:
            "JavaScript is off, so this browser checked nothing. Check the downloaded file with verify.html or ledgerctl check-bundle."
        }
    }
}
