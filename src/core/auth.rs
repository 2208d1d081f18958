//! Reading `Authentication-Results` (RFC 8601) from a trusted server: did
//! DKIM, DMARC or SPF pass for the sender's own domain?
//!
//! # Which headers count
//!
//! Anyone can write an `Authentication-Results` header naming our server into
//! a message before sending it, so a header only counts when our receiving
//! server added it. Servers add theirs at the top, above the `Received:` field
//! they add for the hop from outside (RFC 8601 §5, §7.1). The rule here:
//!
//! > Reading the header fields from the top, the **topmost run** of
//! > `Authentication-Results` fields whose authserv-id is trusted counts; the
//! > run ends at the first `Received:` field below the first such header.
//! > Everything below that `Received:` arrived from outside and is ignored,
//! > whatever id it names.
//!
//! So a forged header an attacker put below the server's own (which says
//! `none` or `fail`) never counts; several headers the server added for one
//! hop (OpenDKIM, OpenDMARC and an SPF checker each add one) all count.
//! What this cannot tell apart is a forged header in a message to which the
//! server added none of its own: the receiving server must therefore remove
//! inbound `Authentication-Results` carrying its own authserv-id (RFC 8601
//! §5; Postfix with OpenDKIM/OpenDMARC and Exchange Online do), as the README
//! says.
//!
//! # Parsing
//!
//! The value is parsed by the RFC 8601 §2.2 grammar: comments (nested, with
//! quoted pairs) and quoted strings anywhere CFWS is allowed, keywords
//! compared exactly and case-insensitively (`dkim=passive` is not a pass),
//! `ptype.property=value` pairs. A malformed result is never a pass.
//!
//! Hand-written rather than a crate: `mail-auth` (Stalwart) is the
//! well-kept Rust implementation, but it builds `Authentication-Results`
//! rather than parsing received ones, and brings DNS, crypto, compression and
//! archive dependencies this daemon does not otherwise need. The grammar is
//! small; the parser is a pure function, unit-tested and fuzzed.
//!
//! # Alignment
//!
//! A pass counts only for the From domain: `dkim=pass` with `header.d` equal
//! to it or a parent of it (whoever controls the parent's DNS controls the
//! From domain's), `spf=pass` with `smtp.mailfrom` in that same relation, or
//! `dmarc=pass` with `header.from` equal to it (DMARC has checked alignment).

use super::mail::InboundMail;

/// One parsed `Authentication-Results` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResults {
    /// Who did the checks (lower-case).
    pub authserv_id: String,
    /// One entry per method result, in order.
    pub results: Vec<MethodResult>,
}

/// One `method=result` with its properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodResult {
    /// `dkim`, `spf`, `dmarc`, … (lower-case, version dropped).
    pub method: String,
    /// `pass`, `fail`, `none`, … (lower-case).
    pub result: String,
    /// `(ptype.property, value)`, e.g. `("header.d", "org.test")`;
    /// names lower-case, values as written (quotes removed).
    pub props: Vec<(String, String)>,
}

impl MethodResult {
    /// The value of a property such as `header.d`.
    pub fn prop(&self, name: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a header value could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// A comment or quoted string is not closed.
    #[error("unterminated comment or quoted string")]
    Unterminated,
    /// No authserv-id.
    #[error("no authserv-id")]
    NoAuthservId,
    /// Something the grammar does not allow.
    #[error("unexpected {0:?}")]
    Unexpected(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// A run of characters that are not whitespace or specials.
    Word(String),
    /// A quoted string, unquoted.
    Quoted(String),
    Semi,
    Equals,
}

/// A token, and whether whitespace or a comment came before it.
#[derive(Debug, Clone)]
struct Lexed {
    tok: Tok,
    spaced: bool,
}

fn lex(value: &str) -> Result<Vec<Lexed>, ParseError> {
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    let mut spaced = true;
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                chars.next();
                spaced = true;
            }
            '(' => {
                // A comment; may nest and contain quoted pairs.
                chars.next();
                let mut depth = 1usize;
                while depth > 0 {
                    match chars.next().ok_or(ParseError::Unterminated)? {
                        '\\' => {
                            chars.next().ok_or(ParseError::Unterminated)?;
                        }
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                }
                spaced = true;
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next().ok_or(ParseError::Unterminated)? {
                        '\\' => s.push(chars.next().ok_or(ParseError::Unterminated)?),
                        '"' => break,
                        '\r' | '\n' => {}
                        ch => s.push(ch),
                    }
                }
                out.push(Lexed {
                    tok: Tok::Quoted(s),
                    spaced,
                });
                spaced = false;
            }
            ';' | '=' => {
                chars.next();
                out.push(Lexed {
                    tok: if c == ';' { Tok::Semi } else { Tok::Equals },
                    spaced,
                });
                spaced = false;
            }
            ')' => return Err(ParseError::Unexpected(")".into())),
            _ => {
                let mut s = String::new();
                while let Some(&ch) = chars.peek() {
                    if matches!(ch, ' ' | '\t' | '\r' | '\n' | '(' | ')' | '"' | ';' | '=') {
                        break;
                    }
                    s.push(ch);
                    chars.next();
                }
                out.push(Lexed {
                    tok: Tok::Word(s),
                    spaced,
                });
                spaced = false;
            }
        }
    }
    Ok(out)
}

/// Parse the value of one `Authentication-Results` field.
pub fn parse(value: &str) -> Result<AuthResults, ParseError> {
    let toks = lex(value)?;
    let mut it = toks.into_iter().peekable();
    let authserv_id = match it.next() {
        Some(Lexed {
            tok: Tok::Word(w) | Tok::Quoted(w),
            ..
        }) if !w.is_empty() => w.to_ascii_lowercase(),
        _ => return Err(ParseError::NoAuthservId),
    };
    // An optional version number, then results.
    if let Some(Lexed {
        tok: Tok::Word(w), ..
    }) = it.peek()
    {
        if w.bytes().all(|b| b.is_ascii_digit()) {
            it.next();
        } else {
            return Err(ParseError::Unexpected(w.clone()));
        }
    }
    // Each resinfo: `; method[/version] = result [reason=value] [ptype.prop=value …]`.
    let mut groups: Vec<Vec<Lexed>> = Vec::new();
    for l in it {
        match l.tok {
            Tok::Semi => groups.push(Vec::new()),
            _ => match groups.last_mut() {
                Some(g) => g.push(l),
                None => return Err(ParseError::Unexpected(format!("{:?}", l.tok))),
            },
        }
    }
    let mut results = Vec::new();
    for g in groups {
        if g.is_empty() {
            continue;
        }
        if let [Lexed {
            tok: Tok::Word(w), ..
        }] = g.as_slice()
        {
            if w.eq_ignore_ascii_case("none") {
                // `no-result`: the server checked nothing.
                continue;
            }
        }
        results.push(resinfo(&g)?);
    }
    Ok(AuthResults {
        authserv_id,
        results,
    })
}

fn word(l: Option<&Lexed>) -> Result<&str, ParseError> {
    match l {
        Some(Lexed {
            tok: Tok::Word(w), ..
        }) => Ok(w),
        Some(other) => Err(ParseError::Unexpected(format!("{:?}", other.tok))),
        None => Err(ParseError::Unexpected("end".into())),
    }
}

fn equals(l: Option<&Lexed>) -> Result<(), ParseError> {
    match l {
        Some(Lexed {
            tok: Tok::Equals, ..
        }) => Ok(()),
        Some(other) => Err(ParseError::Unexpected(format!("{:?}", other.tok))),
        None => Err(ParseError::Unexpected("end".into())),
    }
}

/// A value: a word or quoted string, with any tokens glued to it without
/// whitespace (`"john smith"@org.test`).
fn value(g: &[Lexed], i: &mut usize) -> Result<String, ParseError> {
    let mut v = String::new();
    let mut first = true;
    while let Some(l) = g.get(*i) {
        if !first && l.spaced {
            break;
        }
        match &l.tok {
            Tok::Word(w) | Tok::Quoted(w) => v.push_str(w),
            // Base64 padding in an unquoted `header.b=AbC=` (not RFC 8601,
            // but common): part of the value, never a new property.
            Tok::Equals if !first => v.push('='),
            _ if first => return Err(ParseError::Unexpected(format!("{:?}", l.tok))),
            _ => break,
        }
        first = false;
        *i += 1;
    }
    if first {
        return Err(ParseError::Unexpected("end".into()));
    }
    Ok(v)
}

fn resinfo(g: &[Lexed]) -> Result<MethodResult, ParseError> {
    let mut i = 0;
    let mut method = word(g.get(i))?.to_ascii_lowercase();
    i += 1;
    // `method/version`, written together or apart.
    if let Some((m, _version)) = method.split_once('/') {
        method = m.trim().to_string();
    } else if let Some(Lexed {
        tok: Tok::Word(w), ..
    }) = g.get(i)
    {
        if w.starts_with('/') {
            i += 1;
            if w == "/" {
                word(g.get(i))?;
                i += 1;
            }
        }
    }
    equals(g.get(i))?;
    i += 1;
    let result = word(g.get(i))?.to_ascii_lowercase();
    i += 1;
    let mut props = Vec::new();
    while i < g.len() {
        let name = word(g.get(i))?.to_ascii_lowercase();
        i += 1;
        equals(g.get(i))?;
        i += 1;
        let v = value(g, &mut i)?;
        if name == "reason" {
            continue;
        }
        if !name.contains('.') {
            return Err(ParseError::Unexpected(name));
        }
        props.push((name, v));
    }
    if method.is_empty() || result.is_empty() {
        return Err(ParseError::Unexpected("empty method or result".into()));
    }
    Ok(MethodResult {
        method,
        result,
        props,
    })
}

/// The `Authentication-Results` values that count, by the rule in the module
/// documentation: the topmost run of trusted ones, above the first
/// `Received:` below them.
pub fn trusted_results<'a>(headers: &'a [(String, String)], trusted: &[String]) -> Vec<&'a str> {
    let mut out = Vec::new();
    for (name, v) in headers {
        match name.as_str() {
            "received" if !out.is_empty() => break,
            "authentication-results" => {
                let id = parse(v)
                    .map(|r| r.authserv_id)
                    .or_else(|_| authserv_id_only(v));
                if id.is_ok_and(|id| trusted.iter().any(|t| t.eq_ignore_ascii_case(&id))) {
                    out.push(v.as_str());
                }
            }
            _ => {}
        }
    }
    out
}

/// The authserv-id of a value whose results do not parse: the header still
/// belongs to the trusted run (and passes nothing).
fn authserv_id_only(v: &str) -> Result<String, ParseError> {
    let head = v.split(';').next().unwrap_or("");
    match lex(head)?.first() {
        Some(Lexed {
            tok: Tok::Word(w) | Tok::Quoted(w),
            ..
        }) => Ok(w.to_ascii_lowercase()),
        _ => Err(ParseError::NoAuthservId),
    }
}

fn normalise_domain(d: &str) -> String {
    d.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// `d` is the From domain or a parent of it.
fn aligned(d: &str, from_domain: &str) -> bool {
    let d = normalise_domain(d.rsplit('@').next().unwrap_or(""));
    !d.is_empty()
        && (d == from_domain
            || from_domain
                .strip_suffix(&d)
                .is_some_and(|rest| rest.ends_with('.')))
}

/// Does this result vouch for `from_domain`?
fn vouches(r: &MethodResult, from_domain: &str) -> bool {
    if r.result != "pass" {
        return false;
    }
    match r.method.as_str() {
        "dkim" => r.prop("header.d").is_some_and(|d| aligned(d, from_domain)),
        "spf" => r
            .prop("smtp.mailfrom")
            .is_some_and(|d| aligned(d, from_domain)),
        "dmarc" => r
            .prop("header.from")
            .is_some_and(|d| normalise_domain(d) == from_domain),
        _ => false,
    }
}

/// Does the message carry a pass for the sender's own domain from a trusted server?
pub fn sender_authenticated(mail: &InboundMail, trusted: &[String]) -> bool {
    let Some(from) = &mail.from else { return false };
    let Some((_, domain)) = from.address.rsplit_once('@') else {
        return false;
    };
    let domain = normalise_domain(domain);
    if domain.is_empty() {
        return false;
    }
    trusted_results(&mail.headers, trusted)
        .into_iter()
        .filter_map(|v| parse(v).ok())
        .any(|ar| ar.results.iter().any(|r| vouches(r, &domain)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::mail::Mailbox;

    fn trusted() -> Vec<String> {
        vec!["mx.org.test".to_string()]
    }

    fn mail_with(from: &str, headers: &[(&str, &str)]) -> InboundMail {
        InboundMail {
            from: Some(Mailbox {
                name: None,
                address: from.into(),
            }),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            ..InboundMail::default()
        }
    }

    fn one(from: &str, ar: &str) -> bool {
        sender_authenticated(
            &mail_with(from, &[("authentication-results", ar)]),
            &trusted(),
        )
    }

    #[test]
    fn trusts_only_configured_servers_and_matching_domains() {
        assert!(one(
            "sam@org.test",
            "mx.org.test; dkim=pass header.d=org.test"
        ));
        assert!(one(
            "sam@org.test",
            "mx.org.test;\r\n spf=pass smtp.mailfrom=sam@org.test"
        ));
        assert!(one(
            "sam@org.test",
            "mx.org.test; dmarc=pass header.from=org.test"
        ));
        assert!(!one(
            "sam@org.test",
            "evil.test; dkim=pass header.d=org.test"
        ));
        assert!(!one(
            "sam@org.test",
            "mx.org.test; dkim=pass header.d=evil.test"
        ));
        assert!(!one(
            "sam@org.test",
            "mx.org.test; dkim=fail header.d=org.test"
        ));
    }

    #[test]
    fn a_forged_header_below_the_servers_own_does_not_count() {
        // The server said none; the attacker's header, added before the
        // message reached the server, sits below the server's Received.
        let m = mail_with(
            "megan@org.test",
            &[
                ("return-path", "<x@evil.test>"),
                ("received", "from mx.org.test by store.org.test (LMTP)"),
                (
                    "authentication-results",
                    "mx.org.test; dkim=none; spf=fail smtp.mailfrom=evil.test",
                ),
                ("received", "from evil.test by mx.org.test (Postfix)"),
                (
                    "authentication-results",
                    "mx.org.test; dkim=pass header.d=org.test",
                ),
                ("from", "megan@org.test"),
            ],
        );
        assert!(!sender_authenticated(&m, &trusted()));
        // The same forged header directly below the real one, before any
        // Received: the server's own verdict is in the same run, and the
        // forged one counts only if it really is above the Received line.
        let m = mail_with(
            "megan@org.test",
            &[
                ("authentication-results", "mx.org.test; dkim=none"),
                ("received", "from evil.test by mx.org.test (Postfix)"),
                (
                    "authentication-results",
                    "mx.org.test; dkim=pass header.d=org.test",
                ),
            ],
        );
        assert!(!sender_authenticated(&m, &trusted()));
    }

    #[test]
    fn several_headers_from_the_server_for_one_hop_all_count() {
        // OpenDMARC's verdict on top, OpenDKIM's pass below it, both above the
        // server's Received.
        let m = mail_with(
            "megan@org.test",
            &[
                ("received", "from mx.org.test by store.org.test (LMTP)"),
                ("authentication-results", "mx.org.test; dmarc=none header.from=org.test"),
                ("authentication-results", "mx.org.test (OpenDKIM); dkim=pass (2048-bit key) header.d=org.test header.i=@org.test header.b=AbC="),
                ("received", "from mail.org.test by mx.org.test (Postfix)"),
            ],
        );
        assert!(sender_authenticated(&m, &trusted()));
    }

    #[test]
    fn result_keywords_match_exactly() {
        for bad in [
            "mx.org.test; dkim=passive header.d=org.test",
            "mx.org.test; dkim=pass-ish header.d=org.test",
            "mx.org.test; dkim=\"pass\" header.d=org.test",
            "mx.org.test; dkimx=pass header.d=org.test",
            "mx.org.test; xdkim=pass header.d=org.test",
            "mx.org.test; spf=pass smtp.helo=org.test",
            "mx.org.test; dkim=fail reason=\"dkim=pass header.d=org.test\"",
            "mx.org.test; dkim=fail (dkim=pass header.d=org.test) header.d=org.test",
            "mx.org.test; dkim=fail header.d=evil.test (header.d=org.test)",
        ] {
            assert!(!one("sam@org.test", bad), "{bad}");
        }
    }

    #[test]
    fn comments_and_quoted_strings_are_parsed() {
        for good in [
            "mx.org.test (a comment; with dkim=fail) ; dkim=pass header.d=org.test",
            "mx.org.test 1; dkim (sig (nested)) = pass (ok) header.d = \"org.test\"",
            "\"mx.org.test\"; dkim/1=pass header.d=ORG.TEST.",
            "mx.org.test; none; dkim=pass reason=\"good; key\" header.d=org.test",
            "MX.ORG.TEST; spf=pass smtp.mailfrom=\"sam smith\"@org.test",
            "mx.org.test; dkim=pass header.d=org.test;",
        ] {
            assert!(one("sam@org.test", good), "{good}");
        }
        for broken in [
            "mx.org.test; dkim=pass header.d=org.test (unterminated",
            "mx.org.test; dkim=pass header.d=\"org.test",
            "mx.org.test; dkim=pass header.d",
            "mx.org.test; dkim=pass header.d=org.test garbage",
            "mx.org.test; =pass header.d=org.test",
            "",
            ";",
        ] {
            assert!(!one("sam@org.test", broken), "{broken}");
        }
    }

    #[test]
    fn alignment_with_the_from_domain() {
        // A parent domain's signature covers its subdomains, not the other way
        // round, and never a look-alike.
        assert!(one(
            "sam@staff.org.test",
            "mx.org.test; dkim=pass header.d=org.test"
        ));
        assert!(!one(
            "sam@org.test",
            "mx.org.test; dkim=pass header.d=staff.org.test"
        ));
        assert!(!one(
            "sam@evilorg.test",
            "mx.org.test; dkim=pass header.d=org.test"
        ));
        assert!(!one(
            "sam@org.test.evil",
            "mx.org.test; dkim=pass header.d=org.test"
        ));
        assert!(!one(
            "sam@org.test",
            "mx.org.test; spf=pass smtp.mailfrom=sam@evil.test"
        ));
        assert!(!one(
            "sam@staff.org.test",
            "mx.org.test; dmarc=pass header.from=org.test"
        ));
    }

    proptest::proptest! {
        // Outside data: whatever the header holds, parsing ends without a
        // panic, and text made of the grammar's own pieces never passes for
        // a domain it does not name.
        #[test]
        fn parsing_never_panics(v in "[ -~\\t\\r\\n()\";=/@.é]{0,120}") {
            let _ = parse(&v);
            let m = mail_with("sam@org.test", &[("authentication-results", &v)]);
            let _ = sender_authenticated(&m, &trusted());
        }

        #[test]
        fn no_pass_without_pass_for_the_domain(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "mx.org.test", ";", " ", "dkim", "=", "fail", "passive", "none",
                    "header.d", "evil.test", "(", ")", "\"", "pass(", "reason", "/1",
                ]),
                0..24,
            )
        ) {
            let v: String = parts.concat();
            let m = mail_with("sam@org.test", &[("authentication-results", &v)]);
            proptest::prop_assert!(!sender_authenticated(&m, &trusted()), "{}", v);
        }
    }

    #[test]
    fn parses_the_grammar() {
        let r = parse("mx.org.test; dkim=pass (good) header.d=org.test header.s=sel; spf=softfail smtp.mailfrom=a@b.test").unwrap();
        assert_eq!(r.authserv_id, "mx.org.test");
        assert_eq!(r.results.len(), 2);
        assert_eq!(r.results[0].method, "dkim");
        assert_eq!(r.results[0].prop("header.s"), Some("sel"));
        assert_eq!(r.results[1].result, "softfail");
        assert_eq!(parse("mx.org.test; none").unwrap().results, vec![]);
        assert_eq!(parse("(only a comment)"), Err(ParseError::NoAuthservId));
    }
}
