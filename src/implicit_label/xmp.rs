//! Simple properties of an XMP packet, read with quick-xml's namespace-aware
//! reader, so `TC260:AIGC` is found by namespace URI whatever prefix the
//! writer chose.
//!
//! A simple property can be written as an element
//! (`<TC260:AIGC>{...}</TC260:AIGC>`) or, equivalently in RDF, as an
//! attribute of `rdf:Description` (`TC260:AIGC="{...}"`); both are returned.
//! Text inside RDF containers (`rdf:Alt`/`rdf:li`) belongs to the nearest
//! enclosing property. Nothing is recursive: nesting is tracked on a stack
//! with a fixed limit.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// Namespace of the TC260 implicit-label property (`TC260:AIGC`).
pub const TC260_NS: &str = "http://www.tc260.org.cn/ns/AIGC/1.0/";
const RDF_NS: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";
/// Deeper packets are reported as unreadable rather than walked.
const MAX_DEPTH: usize = 256;

/// One simple property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Namespace URI, `None` when unbound.
    pub namespace: Option<String>,
    /// The name as written, prefix included (`TC260:AIGC`).
    pub qname: String,
    /// Local name (`AIGC`).
    pub local: String,
    /// Text with entities resolved, trimmed.
    pub value: String,
}

impl Property {
    /// Whether this is the TC260 label property.
    pub fn is_tc260_label(&self) -> bool {
        self.local == "AIGC" && self.namespace.as_deref() == Some(TC260_NS)
    }
}

/// The properties of a packet, and the parse error that stopped reading, if
/// any (properties before it are kept).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Xmp {
    pub properties: Vec<Property>,
    pub error: Option<String>,
}

struct Open {
    namespace: Option<String>,
    qname: String,
    local: String,
    /// RDF syntax elements and the `x:xmpmeta` wrapper hold no values.
    structural: bool,
    text: String,
}

/// Read an XMP packet (UTF-8; trailing NULs and padding are ignored).
pub fn parse(packet: &str) -> Xmp {
    let packet = packet.trim_end_matches(['\0', ' ', '\n', '\r', '\t']);
    let mut reader = NsReader::from_str(packet);
    let mut out = Xmp::default();
    let mut stack: Vec<Open> = Vec::new();
    loop {
        let event = match reader.read_resolved_event() {
            Ok((ns, event)) => (namespace(&ns), event),
            Err(e) => {
                out.error = Some(format!(
                    "XML error at byte {}: {e}",
                    reader.error_position()
                ));
                break;
            }
        };
        match event {
            (ns, Event::Start(start)) => {
                if stack.len() >= MAX_DEPTH {
                    out.error = Some(format!("elements nested deeper than {MAX_DEPTH}"));
                    break;
                }
                attributes(&reader, &start, &mut out.properties);
                stack.push(open(ns, &start));
            }
            (ns, Event::Empty(start)) => {
                attributes(&reader, &start, &mut out.properties);
                // Empty elements are left out, except an empty label, which
                // is worth reporting as such.
                let done = open(ns, &start);
                if is_label_name(&done) {
                    out.properties.push(property(done, ""));
                }
            }
            (_, Event::End(_)) => {
                if let Some(done) = stack.pop() {
                    let value = done.text.trim().to_owned();
                    if !value.is_empty() || is_label_name(&done) {
                        out.properties.push(property(done, &value));
                    }
                }
            }
            (_, Event::Text(t)) => push_text(&mut stack, &t.xml10_content()),
            (_, Event::CData(t)) => push_text(&mut stack, &t.xml10_content()),
            (_, Event::GeneralRef(r)) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                        .map(str::to_owned),
                    Err(_) => None,
                };
                match resolved {
                    Some(s) => push_text(&mut stack, &s),
                    None => {
                        out.error = Some(format!("unknown entity `&{};`", r.xml10_content()));
                        break;
                    }
                }
            }
            (_, Event::Eof) => break,
            _ => {}
        }
    }
    out
}

fn namespace(ns: &ResolveResult<'_>) -> Option<String> {
    match ns {
        ResolveResult::Bound(n) => Some(n.into_inner().to_owned()),
        _ => None,
    }
}

fn open(ns: Option<String>, start: &BytesStart<'_>) -> Open {
    let qname = start.name().into_inner().to_owned();
    let local = start.local_name().into_inner().to_owned();
    let structural = ns.as_deref() == Some(RDF_NS) || ns.as_deref() == Some("adobe:ns:meta/");
    Open {
        namespace: ns,
        qname,
        local,
        structural,
        text: String::new(),
    }
}

fn is_label_name(o: &Open) -> bool {
    !o.structural && o.local.to_ascii_lowercase().contains("aigc")
}

fn property(o: Open, value: &str) -> Property {
    Property {
        namespace: o.namespace,
        qname: o.qname,
        local: o.local,
        value: value.to_owned(),
    }
}

/// Text goes to the nearest open element that can hold a value.
fn push_text(stack: &mut [Open], text: &str) {
    if let Some(top) = stack.iter_mut().rev().find(|o| !o.structural) {
        top.text.push_str(text);
    }
}

/// Attributes in a property namespace are properties (RDF's abbreviated
/// form); RDF syntax, `xml:` and namespace declarations are not.
fn attributes(reader: &NsReader<&[u8]>, start: &BytesStart<'_>, out: &mut Vec<Property>) {
    for attr in start.attributes().with_checks(false).flatten() {
        let (ns, local) = reader.resolver().resolve_attribute(attr.key);
        let ns = namespace(&ns);
        let key = attr.key.into_inner();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        if matches!(
            ns.as_deref(),
            None | Some(RDF_NS) | Some(XML_NS) | Some(XMLNS_NS)
        ) {
            continue;
        }
        let Ok(value) = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0) else {
            continue;
        };
        out.push(Property {
            namespace: ns,
            qname: key.to_owned(),
            local: local.into_inner().to_owned(),
            value: value.trim().to_owned(),
        });
    }
}

/// A minimal XMP packet holding one `TC260:AIGC` element (for tests and
/// examples).
pub fn packet_with_label(json: &str) -> String {
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
         <rdf:RDF xmlns:rdf=\"{RDF_NS}\">\n\
         <rdf:Description rdf:about=\"\" xmlns:TC260=\"{TC260_NS}\">\n\
         <TC260:AIGC>{}</TC260:AIGC>\n\
         </rdf:Description>\n\
         </rdf:RDF>\n\
         </x:xmpmeta>\n\
         <?xpacket end=\"w\"?>",
        quick_xml::escape::escape(json)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{"Label":"1","ContentProducer":"0011","ProduceID":"a"}"#;

    fn labels(xmp: &Xmp) -> Vec<&Property> {
        xmp.properties
            .iter()
            .filter(|p| p.is_tc260_label())
            .collect()
    }

    #[test]
    fn element_form_with_escaped_quotes() {
        let xmp = parse(&packet_with_label(JSON));
        assert_eq!(xmp.error, None);
        let found = labels(&xmp);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].value, JSON);
        assert_eq!(found[0].qname, "TC260:AIGC");
    }

    #[test]
    fn attribute_form_and_other_prefix() {
        let packet = format!(
            r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF_NS}">
               <rdf:Description rdf:about="" xmlns:tc="{TC260_NS}" tc:AIGC="{}"/>
               </rdf:RDF></x:xmpmeta>"#,
            quick_xml::escape::escape(JSON)
        );
        let xmp = parse(&packet);
        assert_eq!(xmp.error, None);
        let found = labels(&xmp);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].value, JSON);
        assert_eq!(found[0].qname, "tc:AIGC");
    }

    #[test]
    fn cdata_and_lang_alt() {
        let packet = format!(
            r#"<rdf:RDF xmlns:rdf="{RDF_NS}"><rdf:Description xmlns:TC260="{TC260_NS}">
               <TC260:AIGC><rdf:Alt><rdf:li xml:lang="x-default"><![CDATA[{JSON}]]></rdf:li></rdf:Alt></TC260:AIGC>
               </rdf:Description></rdf:RDF>"#
        );
        let xmp = parse(&packet);
        assert_eq!(labels(&xmp)[0].value, JSON);
    }

    #[test]
    fn wrong_namespace_is_not_the_label() {
        let packet =
            packet_with_label(JSON).replace(TC260_NS, "http://www.tc260.org.cn/ns/AIGC/1.0");
        let xmp = parse(&packet);
        assert!(labels(&xmp).is_empty());
        let p = xmp.properties.iter().find(|p| p.local == "AIGC").unwrap();
        assert_eq!(
            p.namespace.as_deref(),
            Some("http://www.tc260.org.cn/ns/AIGC/1.0")
        );
    }

    #[test]
    fn other_properties_are_listed() {
        let packet = format!(
            r#"<rdf:RDF xmlns:rdf="{RDF_NS}"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="gen 1.0">
               <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{}</rdf:li></rdf:Alt></dc:description>
               </rdf:Description></rdf:RDF>"#,
            quick_xml::escape::escape(JSON)
        );
        let xmp = parse(&packet);
        let names: Vec<&str> = xmp.properties.iter().map(|p| p.qname.as_str()).collect();
        assert_eq!(names, ["xmp:CreatorTool", "dc:description"]);
        assert_eq!(xmp.properties[1].value, JSON);
    }

    #[test]
    fn broken_packets_keep_what_was_read() {
        let full = packet_with_label(JSON);
        let cut = &full[..full.find("</TC260:AIGC>").unwrap() + 5];
        let xmp = parse(cut);
        assert!(labels(&xmp).is_empty());
        let xmp = parse("<a><b></a>");
        assert!(xmp.error.is_some());
        let xmp = parse("<a>&bogus;</a>");
        assert!(xmp.error.unwrap().contains("bogus"));
        assert_eq!(parse("").properties, []);
        assert_eq!(parse("not xml at all").properties, []);
        // Every prefix of a packet parses without panicking.
        for end in 0..=full.len() {
            if full.is_char_boundary(end) {
                let _ = parse(&full[..end]);
            }
        }
    }

    #[test]
    fn empty_labels_are_kept() {
        let empty = packet_with_label("").replace("<TC260:AIGC></TC260:AIGC>", "<TC260:AIGC/>");
        assert!(empty.contains("<TC260:AIGC/>"));
        let found = parse(&empty);
        assert_eq!(labels(&found).len(), 1);
        assert_eq!(labels(&found)[0].value, "");
        let found = parse(&packet_with_label(""));
        assert_eq!(labels(&found)[0].value, "");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = "<a>".repeat(10_000);
        let xmp = parse(&deep);
        assert!(xmp.error.unwrap().contains("nested"));
    }
}
