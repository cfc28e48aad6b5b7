//! Our hand-written fixtures: each parses to the expected typed view (rendered as
//! text and compared, so a model change touches `render` and not every test) and
//! round-trips through the serializer.

mod common;

use std::fmt::Write;

use common::{assert_roundtrip, fixture, fixtures};
use rotary_sip::parse::{frame_length, parse_message};
use rotary_sip::{Contact, Message, NameAddr};

fn name_addr(n: &NameAddr) -> String {
    let mut s = String::new();
    if let Some(d) = &n.display {
        write!(s, "{d:?} ").unwrap();
    }
    write!(s, "{}", n.uri).unwrap();
    if let Some(u) = &n.uri.user {
        write!(s, " user={u:?}").unwrap();
    }
    for p in &n.params {
        write!(s, " ;{}={:?}", p.name, p.value).unwrap();
    }
    s
}

/// A stable text view of everything the stack reads from a message.
fn render(m: &Message) -> String {
    let mut s = String::new();
    match m {
        Message::Request(r) => writeln!(s, "request {} {}", r.method, r.uri).unwrap(),
        Message::Response(r) => writeln!(s, "response {} {:?}", r.status, r.reason).unwrap(),
    }
    let h = m.headers();
    for v in h.vias().unwrap() {
        writeln!(
            s,
            "via {} {}:{:?} branch={:?} received={:?} rport={:?}",
            v.transport.as_str(),
            v.host,
            v.port,
            v.branch(),
            v.received(),
            v.rport()
        )
        .unwrap();
    }
    writeln!(s, "from {}", name_addr(&h.from().unwrap())).unwrap();
    writeln!(s, "to {}", name_addr(&h.to().unwrap())).unwrap();
    writeln!(s, "call-id {}", h.call_id().unwrap()).unwrap();
    writeln!(s, "cseq {}", h.cseq().unwrap()).unwrap();
    for c in h.contacts().unwrap() {
        match c {
            Contact::Star => writeln!(s, "contact *").unwrap(),
            Contact::Addr(n) => writeln!(s, "contact {}", name_addr(&n)).unwrap(),
        }
    }
    for r in h.record_routes().unwrap() {
        writeln!(s, "record-route {}", name_addr(&r)).unwrap();
    }
    writeln!(
        s,
        "expires {:?} max-forwards {:?}",
        h.expires(),
        h.max_forwards()
    )
    .unwrap();
    let names: Vec<&str> = h.fields.iter().map(|f| f.name.as_str()).collect();
    writeln!(s, "names {}", names.join(",")).unwrap();
    write!(s, "body {} bytes", m.body().len()).unwrap();
    s
}

fn check(file: &str, expected: &str) {
    let bytes = fixture(file);
    let m = parse_message(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
    let got = render(&m);
    assert_eq!(
        got.trim(),
        expected.trim(),
        "\n{file} rendered as:\n{got}\n"
    );
}

#[test]
fn register() {
    check(
        "register.sip",
        r#"
request REGISTER sip:pbx.example.com
via UDP 192.0.2.10:Some(5060) branch=Some("z9hG4bK-524287-1---8c1e2f1b3a7d9e01") received=None rport=Some(None)
from "Alice" sip:101@pbx.example.com user="101" ;tag=Some("9f8e7d6c")
to sip:101@pbx.example.com user="101"
call-id 7d3f0a1b2c4e5f6a7b8c9d0e1f2a3b4c
cseq 2 REGISTER
contact sip:101@192.0.2.10:5060;rinstance=6d3a1b2c3d4e5f60;transport=UDP user="101" ;+sip.instance=Some("\"<urn:uuid:00000000-0000-1000-8000-00a0c9e4f2b1>\"") ;reg-id=Some("1") ;expires=Some("3600")
expires Some(3600) max-forwards Some(70)
names Via,Max-Forwards,Contact,To,From,Call-ID,CSeq,Expires,Allow,Supported,User-Agent,Authorization,Allow-Events,Content-Length
body 0 bytes
"#,
    );
}

#[test]
fn invite_with_sdp() {
    check(
        "invite_sdp.sip",
        r#"
request INVITE sip:102@pbx.example.com
via UDP 192.0.2.10:Some(5060) branch=Some("z9hG4bK776asdhds") received=None rport=Some(None)
from "Alice" sip:101@pbx.example.com user="101" ;tag=Some("1928301774")
to "Bob" sip:102@pbx.example.com user="102"
call-id a84b4c76e66710@192.0.2.10
cseq 314159 INVITE
contact sip:101@192.0.2.10:5060;ob user="101"
expires None max-forwards Some(70)
names Via,Max-Forwards,To,From,Call-ID,CSeq,Contact,Allow,Supported,Session-Expires,Min-SE,User-Agent,Content-Type,Content-Length
body 262 bytes
"#,
    );
}

#[test]
fn compact_forms() {
    check(
        "compact.sip",
        r#"
request OPTIONS sip:102@pbx.example.com
via TCP 192.0.2.20:Some(5070) branch=Some("z9hG4bKcompact1") received=None rport=None
from sip:103@pbx.example.com user="103" ;tag=Some("c0mp4ct")
to sip:102@pbx.example.com user="102"
call-id compact-1@192.0.2.20
cseq 11 OPTIONS
contact sip:103@192.0.2.20:5070;transport=tcp user="103"
expires None max-forwards None
names Via,From,To,Call-ID,CSeq,Contact,Supported,Subject,Content-Type,Content-Length
body 6 bytes
"#,
    );
}

#[test]
fn folded_lines() {
    check(
        "folded.sip",
        r#"
request MESSAGE sip:102@pbx.example.com
via UDP 192.0.2.30:None branch=Some("z9hG4bKfold1") received=None rport=None
via UDP 192.0.2.31:Some(5062) branch=Some("z9hG4bKfold0") received=Some("192.0.2.99") rport=None
from "Folded Name" sip:104@pbx.example.com user="104" ;tag=Some("f0ld")
to sip:102@pbx.example.com user="102"
call-id folded-1@192.0.2.30
cseq 5 MESSAGE
expires None max-forwards Some(69)
names Via,Max-Forwards,From,To,Call-ID,CSeq,Subject,Content-Type,Content-Length
body 9 bytes
"#,
    );
    let Message::Request(r) = parse_message(&fixture("folded.sip")).unwrap() else {
        panic!()
    };
    assert_eq!(r.headers.get("Subject"), Some("a subject that continues"));
    assert_eq!(String::from_utf8(r.body).unwrap(), "Grüße\r\n");
}

#[test]
fn ipv6_everywhere() {
    check(
        "ipv6.sip",
        r#"
request INVITE sip:102@[2001:db8::1]:5060;transport=udp
via UDP [2001:db8::10]:Some(5062) branch=Some("z9hG4bKv6a") received=Some("2001:db8::99") rport=Some(None)
from sip:101@[2001:db8::1] user="101" ;tag=Some("v6from")
to sip:102@[2001:db8::1] user="102"
call-id v6call@2001:db8::10
cseq 1 INVITE
contact sip:101@[2001:db8::10]:5062 user="101"
record-route sip:[2001:db8::2];lr
record-route sip:proxy.example.com;lr
expires None max-forwards Some(70)
names Via,Max-Forwards,From,To,Call-ID,CSeq,Contact,Record-Route,Content-Type,Content-Length
body 93 bytes
"#,
    );
}

#[test]
fn escaped_uris() {
    check(
        "escaped_uri.sip",
        r#"
request SUBSCRIBE sip:+4930123%20456;phone-context=+49@pbx.example.com;user=phone
via TLS client.example.com:Some(5061) branch=Some("z9hG4bKesc1") received=None rport=None
from "Café \"Lounge\"" sip:caf%C3%A9@example.com user="café" ;tag=Some("esc")
to sip:+4930123%20456;phone-context=+49@pbx.example.com;user=phone user="+4930123 456;phone-context=+49"
call-id escaped-1@client.example.com
cseq 1 SUBSCRIBE
contact sip:caf%C3%A9@client.example.com:5061;transport=tls;x%3Dy=a%3Bb user="café"
expires Some(600) max-forwards Some(70)
names Via,Max-Forwards,From,To,Call-ID,CSeq,Event,Contact,Expires,Accept,Content-Length
body 0 bytes
"#,
    );
    let Message::Request(r) = parse_message(&fixture("escaped_uri.sip")).unwrap() else {
        panic!()
    };
    let Contact::Addr(c) = &r.contacts().unwrap()[0] else {
        panic!()
    };
    assert_eq!(c.uri.param("x=y"), Some(Some("a;b")));
}

#[test]
fn register_ok_with_two_contacts() {
    check(
        "ok_register.sip",
        r#"
response 200 "OK"
via UDP 192.0.2.10:Some(5060) branch=Some("z9hG4bK-524287-1---8c1e2f1b3a7d9e01") received=Some("203.0.113.7") rport=Some(Some(5060))
from "Alice" sip:101@pbx.example.com user="101" ;tag=Some("9f8e7d6c")
to sip:101@pbx.example.com user="101" ;tag=Some("as6151ad25")
call-id 7d3f0a1b2c4e5f6a7b8c9d0e1f2a3b4c
cseq 2 REGISTER
contact sip:101@192.0.2.10:5060;transport=UDP user="101" ;expires=Some("3600")
contact sip:101@198.51.100.4:5080 user="101" ;expires=Some("120") ;q=Some("0.5")
expires None max-forwards None
names Via,From,To,Call-ID,CSeq,Contact,Date,Server,Content-Length
body 0 bytes
"#,
    );
}

#[test]
fn unauthorized_keeps_both_challenges() {
    let m = parse_message(&fixture("unauthorized.sip")).unwrap();
    let challenges: Vec<&str> = m.headers().get_all("WWW-Authenticate").collect();
    assert_eq!(challenges.len(), 2);
    assert!(challenges[0].contains("algorithm=SHA-256"));
}

#[test]
fn every_fixture_round_trips_and_frames() {
    for (name, bytes) in fixtures() {
        let m = parse_message(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_roundtrip(&m);
        assert_eq!(frame_length(&bytes, 65536), Ok(Some(bytes.len())), "{name}");
        // Byte-identical when the input was already canonical (no folding, no compact
        // names): the serializer writes what it read.
        if name == "register.sip" || name == "invite_sdp.sip" || name == "ok_register.sip" {
            assert_eq!(m.to_bytes(), bytes, "{name}");
        }
    }
}

#[test]
fn stream_of_fixtures_in_small_chunks() {
    let all = fixtures();
    let mut stream = Vec::new();
    for (_, bytes) in &all {
        stream.extend_from_slice(b"\r\n\r\n");
        stream.extend_from_slice(bytes);
    }
    // Feed 7 bytes at a time, as a TCP reader would, and cut frames as they complete.
    let (mut buf, mut messages, mut keepalives) = (Vec::new(), Vec::new(), 0);
    for chunk in stream.chunks(7) {
        buf.extend_from_slice(chunk);
        while let Some(n) = frame_length(&buf, 65536).unwrap() {
            let frame: Vec<u8> = buf.drain(..n).collect();
            match parse_message(&frame) {
                Ok(m) => messages.push(m),
                Err(rotary_sip::parse::ParseError::KeepAlive) => keepalives += 1,
                Err(e) => panic!("{e}"),
            }
        }
    }
    assert!(buf.is_empty());
    assert_eq!(messages.len(), all.len());
    assert!(keepalives >= all.len());
    for (m, (_, bytes)) in messages.iter().zip(&all) {
        assert_eq!(m, &parse_message(bytes).unwrap());
    }
}
