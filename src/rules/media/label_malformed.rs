//! LBL102 media-label-malformed: the implicit label is not in the Annex E form.

use crate::finding::Level;
use crate::rules::{Category, Precision, RuleMeta, Status};

pub static META: RuleMeta = RuleMeta {
    code: super::LABEL_MALFORMED,
    name: "media-label-malformed",
    category: Category::Label,
    default_level: Level::Error,
    precision: Precision::High,
    status: Status::Preview,
    articles: &["CN-GB45438-E", "CN-GB45438-6", "CN-LBL-5", "CN-LBL-11"],
    summary: "A media file's AIGC implicit label does not follow the GB 45438 metadata format.",
    security_severity: "4.0",
    doc: r#"
## What it does
Reported by `synthlint media` for a label found where it belongs but whose
value breaks the metadata format, one finding per problem. Each finding names
the check (`properties.check` in JSON and SARIF) and the element concerned.

Errors:
- the value is not JSON, not one object, or several labels in one value;
- the field name does not contain `AIGC` and the value is not wrapped as
  `{"AIGC": {...}}`;
- keys other than the seven elements `Label`, `ContentProducer`, `ProduceID`,
  `ReservedCode1`, `ContentPropagator`, `PropagateID`, `ReservedCode2`
  (names are case-sensitive: `ProduceId` is wrong), or one of them twice;
- `Label`, `ContentProducer` or `ProduceID` missing, `ContentProducer` or
  `ProduceID` empty, `Label` other than the string "1", "2" or "3", values that
  are not strings;
- two labels in one file that disagree.

Warnings: `Label` as a number; characters outside printable ASCII (spaces,
Chinese names, backslashes); a field named e.g. `AIGC_info` rather than
`AIGC`; placeholder providers or ids (`testProducer`, `PRODUCER-001`, `0000`);
a provider code that is not 27 characters or whose credit-code check character
is wrong; a propagator without its content id; two identical labels. A note
when a code's service extension names the other role.

## Why is this bad?
The mandatory standard fixes the label's format so that any platform can read
it. A label that does not parse, misspells an element or leaves out who made
the content is, to a reader, no label at all; a placeholder provider points to
nobody.

## Example
```json
{"Label": 1, "ContentProducer": "testProducer", "ProduceId": "42"}
```

Use instead:
```json
{"Label": "1", "ContentProducer": "001191110102MAD55U9H0F10002", "ProduceID": "img-20250901-8f3a", "ReservedCode1": "", "ContentPropagator": "", "PropagateID": "", "ReservedCode2": ""}
```

## Known problems
The character set, the provider-code layout and the placeholder list come from
secondary sources and implementers' reading of the standard, so they are
warnings. Whether `ProduceID` differs for every piece of content cannot be seen
in one file; the source rules check how it is built. Names that contain a
placeholder word by coincidence (a company called "Sample") are reported;
silence them by checking those files without `--fail-on warning`.
"#,
};
