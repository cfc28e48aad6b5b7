//! RFC 4475 torture tests, read in place from the shared conformance data with the
//! policy of its index.tsv.

mod common;

use common::{assert_roundtrip, torture_cases, Case, Policy};
use rotary_sip::parse::{parse_message, ParseError, Problem};
use rotary_sip::{Contact, Host, Message, Method, Scheme, Transport};

fn case(file: &str) -> Case {
    torture_cases()
        .into_iter()
        .find(|c| c.file == file)
        .expect(file)
}

fn request(file: &str) -> rotary_sip::Request {
    match parse_message(&case(file).bytes) {
        Ok(Message::Request(r)) => r,
        other => panic!("{file}: {other:?}"),
    }
}

fn error(file: &str) -> ParseError {
    parse_message(&case(file).bytes).expect_err(file)
}

#[test]
fn index_lists_every_torture_file() {
    let cases = torture_cases();
    assert_eq!(cases.len(), 49);
    let dir = common::torture_dir();
    let files = std::fs::read_dir(&dir).unwrap().filter_map(|e| {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        name.ends_with(".dat").then_some(name)
    });
    for f in files {
        assert!(cases.iter().any(|c| c.file == f), "{f} not in index");
    }
}

#[test]
fn valid_messages_parse_and_round_trip() {
    for c in torture_cases().iter().filter(|c| c.policy == Policy::Valid) {
        let m =
            parse_message(&c.bytes).unwrap_or_else(|e| panic!("{} ({}): {e}", c.file, c.section));
        let h = m.headers();
        h.vias().unwrap_or_else(|e| panic!("{}: {e}", c.file));
        h.from().unwrap();
        h.to().unwrap();
        h.cseq().unwrap();
        h.contacts().unwrap();
        h.routes().unwrap();
        assert!(h.call_id().is_some());
        assert_roundtrip(&m);
    }
}

#[test]
fn invalid_strict_messages_are_rejected_with_the_right_answer() {
    let expected: &[(&str, Option<u16>)] = &[
        ("badinv01.dat", Some(400)),
        ("clerr.dat", Some(400)),
        ("ncl.dat", Some(400)),
        ("scalar02.dat", Some(400)),
        ("scalarlg.dat", None),
        ("ltgtruri.dat", Some(400)),
        ("baddn.dat", Some(400)),
        ("badvers.dat", Some(505)),
        ("mismatch01.dat", Some(400)),
        ("mismatch02.dat", Some(400)),
        ("bigcode.dat", None),
    ];
    let strict: Vec<Case> = torture_cases()
        .into_iter()
        .filter(|c| matches!(c.policy, Policy::InvalidStrict(_)))
        .collect();
    assert_eq!(strict.len(), expected.len());
    for c in &strict {
        let Policy::InvalidStrict(code) = c.policy else {
            unreachable!()
        };
        let err = parse_message(&c.bytes).expect_err(&c.file);
        let status = err.reply().map(|r| r.status);
        if let Some(s) = status {
            assert!(s == 400 || Some(s) == code, "{}: answered {s}", c.file);
        }
        let want = expected
            .iter()
            .find(|(f, _)| *f == c.file)
            .expect("listed")
            .1;
        assert_eq!(status, want, "{}: {err}", c.file);
    }
}

#[test]
fn replies_copy_the_dialog_headers() {
    let r = error("mismatch01.dat").reply().unwrap();
    assert_eq!(
        r.headers.get("Via"),
        Some("SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw")
    );
    assert_eq!(r.headers.get("Call-ID"), Some("mismatch01.dj0234sxdfl3"));
    assert_eq!(
        r.headers.get("From"),
        Some("sip:caller@example.net;tag=34525")
    );
    assert_eq!(r.headers.get("To"), Some("sip:j.user@example.com"));
    assert_eq!(r.headers.get("CSeq"), Some("8 INVITE"));
    assert_eq!(r.reason, "CSeq Method Mismatch");
    let bytes = r.to_bytes();
    assert!(bytes.starts_with(b"SIP/2.0 400 CSeq Method Mismatch\r\nVia: "));
    assert!(bytes.ends_with(b"Content-Length: 0\r\n\r\n"));
    assert!(parse_message(&bytes).is_ok(), "the reply itself parses");
    let r = error("badvers.dat").reply().unwrap();
    assert_eq!(
        (r.status, r.reason.as_str()),
        (505, "Version Not Supported")
    );
    assert_eq!(
        r.headers.get("Via"),
        Some("SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw")
    );
}

#[test]
fn strict_problems_are_named() {
    let p = |f: &str| error(f).problem().cloned();
    assert_eq!(
        p("clerr.dat"),
        Some(Problem::BodyTruncated {
            declared: 9999,
            available: 154
        })
    );
    assert_eq!(
        p("ncl.dat"),
        Some(Problem::Syntax {
            what: "Content-Length"
        })
    );
    assert!(matches!(
        p("scalar02.dat"),
        Some(Problem::OutOfRange { .. })
    ));
    assert_eq!(p("ltgtruri.dat"), Some(Problem::RequestUri));
    assert_eq!(p("baddn.dat"), Some(Problem::Syntax { what: "From" }));
    assert_eq!(
        p("badvers.dat"),
        Some(Problem::Version {
            version: "SIP/7.0".into()
        })
    );
    assert_eq!(p("mismatch02.dat"), Some(Problem::CSeqMismatch));
    assert_eq!(p("bigcode.dat"), Some(Problem::StatusCode));
    assert_eq!(p("badinv01.dat"), Some(Problem::Syntax { what: "Via" }));
}

#[test]
fn liberal_and_semantic_messages_survive() {
    for c in torture_cases() {
        if !matches!(c.policy, Policy::InvalidLiberal | Policy::Semantic) {
            continue;
        }
        match parse_message(&c.bytes) {
            Ok(m) => {
                assert_roundtrip(&m);
                eprintln!("{} {}: accepted", c.section, c.file);
            }
            Err(e) => {
                let status = e.reply().map(|r| r.status);
                assert!(matches!(status, None | Some(400)), "{}: {status:?}", c.file);
                eprintln!(
                    "{} {}: rejected ({e}), answer {status:?}",
                    c.section, c.file
                );
            }
        }
    }
}

#[test]
fn semantic_outcomes() {
    let rejected = |f: &str| error(f).problem().cloned();
    assert_eq!(
        rejected("insuf.dat"),
        Some(Problem::Missing { header: "From" })
    );
    assert_eq!(
        rejected("multi01.dat"),
        Some(Problem::Duplicate { header: "CSeq" })
    );
    assert_eq!(
        rejected("mcl01.dat"),
        Some(Problem::Duplicate {
            header: "Content-Length"
        })
    );
    for f in [
        "badbranch.dat",
        "unkscm.dat",
        "novelsc.dat",
        "unksm2.dat",
        "bext01.dat",
        "invut.dat",
        "regaut01.dat",
        "zeromf.dat",
        "cparam01.dat",
        "cparam02.dat",
        "regescrt.dat",
        "sdp01.dat",
        "inv2543.dat",
    ] {
        request(f);
    }
    assert!(matches!(
        parse_message(&case("bcast.dat").bytes),
        Ok(Message::Response(_))
    ));
    assert_eq!(request("zeromf.dat").max_forwards(), Some(0));
    assert_eq!(request("inv2543.dat").max_forwards(), None);
    assert_eq!(request("inv2543.dat").top_via().unwrap().branch(), None);
    let r = request("unkscm.dat");
    assert_eq!(r.uri.scheme, Scheme::Other("nobodyKnowsThisScheme".into()));
    assert_eq!(r.uri.opaque.as_deref(), Some("totallyopaquecontent"));
    let r = request("unksm2.dat");
    assert_eq!(r.to().unwrap().uri.scheme, Scheme::Other("isbn".into()));
    let Contact::Addr(c) = &r.contacts().unwrap()[0] else {
        panic!()
    };
    assert_eq!(c.uri.opaque.as_deref(), Some("John_Smith"));
    // cparam01: an addr-spec's parameters belong to the header; cparam02: to the URI.
    let Contact::Addr(c) = &request("cparam01.dat").contacts().unwrap()[0] else {
        panic!()
    };
    assert!(c.uri.params.is_empty() && c.params[0].name == "unknownparam");
    let Contact::Addr(c) = &request("cparam02.dat").contacts().unwrap()[0] else {
        panic!()
    };
    assert!(c.params.is_empty() && c.uri.params[0].name == "unknownparam");
    let Contact::Addr(c) = &request("regescrt.dat").contacts().unwrap()[0] else {
        panic!()
    };
    assert_eq!(
        c.uri.headers,
        [("Route".to_string(), "<sip:sip.example.com>".to_string())]
    );
}

#[test]
fn wsinv_whitespace_everywhere() {
    let r = request("wsinv.dat");
    assert_eq!(r.method, Method::Invite);
    assert_eq!(r.uri.params[0].name, "unknownparam");
    let vias = r.vias().unwrap();
    assert_eq!(vias.len(), 3);
    assert_eq!(vias[0].host, Host::V4([192, 0, 2, 2].into()));
    assert_eq!(vias[1].transport, Transport::Tcp);
    assert_eq!(vias[1].branch(), Some("z9hG4bK9ikj8"));
    assert_eq!(vias[2].branch(), Some("z9hG4bK30239"));
    let to = r.to().unwrap();
    assert_eq!(to.tag(), Some("1918181833n"));
    let from = r.from().unwrap();
    assert_eq!(from.display.as_deref(), Some(r#"J Rosenberg \""#));
    assert_eq!(from.tag(), Some("98asjd8"));
    assert_eq!(r.max_forwards(), Some(68));
    assert_eq!(r.cseq().unwrap().seq, 9);
    assert_eq!(r.headers.get("Subject"), Some(""));
    assert_eq!(
        r.headers.get("NewFangledHeader"),
        Some("newfangled value continued newfangled value")
    );
    let Contact::Addr(c) = &r.contacts().unwrap()[0] else {
        panic!()
    };
    assert_eq!(c.display.as_deref(), Some(r#"Quoted string """#));
    assert_eq!(c.params.len(), 3);
    assert_eq!(r.body.len(), 150);
}

#[test]
fn valid_details() {
    let r = request("intmeth.dat");
    assert_eq!(
        r.method,
        Method::Other("!interesting-Method0123456789_*+`.%indeed'~".into())
    );
    assert_eq!(
        r.uri.user.as_deref(),
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    assert_eq!(
        r.uri.password.as_deref(),
        Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
    );
    assert_eq!(
        r.to().unwrap().display.as_deref(),
        Some("BEL:\x07 NUL:\0 DEL:\x7f")
    );
    let r = request("esc01.dat");
    assert_eq!(r.uri.user.as_deref(), Some("sips:user@example.com"));
    assert_eq!(r.to().unwrap().uri.user.as_deref(), Some("user"));
    assert_eq!(r.from().unwrap().uri.user.as_deref(), Some("I have spaces"));
    let Contact::Addr(c) = &r.contacts().unwrap()[0] else {
        panic!()
    };
    assert_eq!(c.uri.user.as_deref(), Some("caller"));
    assert_eq!(c.uri.param("lr"), Some(None));
    assert_eq!(c.uri.param("name"), Some(Some("value%41")));
    assert_eq!(r.headers.get("Content-Type"), Some("application/sdp"));
    let r = request("escnull.dat");
    assert_eq!(r.to().unwrap().uri.user.as_deref(), Some("null-\0-null"));
    assert_eq!(r.contacts().unwrap().len(), 2);
    let r = request("esc02.dat");
    assert_eq!(r.method, Method::Other("RE%47IST%45R".into()));
    assert_eq!(r.contacts().unwrap().len(), 2);
    assert_eq!(
        r.headers.get("C%6Fntact"),
        Some("<sip:alias2@host2.example.com>")
    );
    assert_eq!(
        request("lwsdisp.dat").from().unwrap().display.as_deref(),
        Some("caller")
    );
    let r = request("longreq.dat");
    assert_eq!(r.vias().unwrap().len(), 34);
    assert_eq!(r.body.len(), 150);
    let r = request("dblreq.dat");
    assert_eq!(r.method, Method::Register);
    assert!(r.body.is_empty());
    let r = request("semiuri.dat");
    assert_eq!(r.uri.user.as_deref(), Some("user;par=u@example.net"));
    assert!(r.uri.params.is_empty());
    let transports: Vec<Transport> = request("transports.dat")
        .vias()
        .unwrap()
        .into_iter()
        .map(|v| v.transport)
        .collect();
    assert_eq!(
        transports,
        [
            Transport::Udp,
            Transport::Sctp,
            Transport::Tls,
            Transport::Other("UNKNOWN".into()),
            Transport::Tcp
        ]
    );
    let r = request("mpart01.dat");
    assert_eq!(r.body.len(), 553);
    assert_eq!(r.top_via().unwrap().rport(), Some(None));
    let Ok(Message::Response(r)) = parse_message(&case("unreason.dat").bytes) else {
        panic!()
    };
    assert_eq!(r.status, 200);
    assert!(r.reason.starts_with("= 2**3 * 5**2 но"));
    let Ok(Message::Response(r)) = parse_message(&case("noreason.dat").bytes) else {
        panic!()
    };
    assert_eq!((r.status, r.reason.as_str()), (100, ""));
}

#[test]
fn dblreq_frames_as_two_messages_on_a_stream() {
    use rotary_sip::parse::frame_length;
    let bytes = case("dblreq.dat").bytes;
    let first = frame_length(&bytes, 65536).unwrap().unwrap();
    assert!(
        matches!(parse_message(&bytes[..first]), Ok(Message::Request(ref r)) if r.method == Method::Register)
    );
    let rest = &bytes[first..];
    let crlf = frame_length(rest, 65536).unwrap().unwrap();
    assert_eq!(parse_message(&rest[..crlf]), Err(ParseError::KeepAlive));
    let rest = &rest[crlf..];
    let second = frame_length(rest, 65536).unwrap().unwrap();
    let Ok(Message::Request(r)) = parse_message(&rest[..second]) else {
        panic!()
    };
    assert_eq!(r.method, Method::Invite);
    assert_eq!(r.body.len(), 150);
}
