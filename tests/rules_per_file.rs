//! The rules' per-file phase (`rules::per_file`): a rule whose per-file
//! part runs in the one pass over the files, or that reads a selection the
//! pass makes (the per-user rankings, the training writes), reports
//! exactly what its own `check` reports when run alone, in the same order,
//! on one thread and on four.

mod common;

use std::path::{Path, PathBuf};

use synthlint::analysis::results::Analysis;
use synthlint::finding::Finding;
use synthlint::rules::{self, Context, Rule};

/// Per-file rules, and rules that read a selection the pass makes: the
/// rankings, the training writes, the profile writers (OPT004), the stored
/// classes (OPT005, OPT006, PII004), the training flags (OPT003, PII004),
/// the data models (the PII rules' domains), Sentry's set-up calls
/// (PII001), whether a training sink exists (PII004), the label-switch
/// conditions (LBL008), the stored user class (SVC003, which reads the
/// rankings too) and the moderation API calls (MOD002–MOD004). `CODE/dir`:
/// a folder of the rule's fixtures, where its whole folder, read as one
/// project, reports nothing.
#[rustfmt::skip]
const CODES: &[&str] = &[
    "LBL004", "LBL005", "LBL007", "MOD001", "LOG001", "OPT001", "OPT002", "OPT004", "OPT003",
    "PII004", "OPT005", "OPT006", "LBL008", "PII001", "PII002", "PII003", "PII005/enrolment",
    "SVC003/user_model", "MOD002", "MOD003", "MOD004",
];

fn render(findings: &[Finding]) -> String {
    serde_json::to_string_pretty(findings).expect("findings serialize")
}

/// Findings of `rule` over the rule's fixture folder: by its own `check`
/// (without the pass) and by `rules::run` (with it), on `threads` threads.
fn both(rule: &'static dyn Rule, dir: &Path, threads: usize) -> (String, String) {
    common::on_project(dir, threads, |project, catalog| {
        let analysis = Analysis::run(project, catalog);
        let cx = || Context {
            project,
            catalog,
            analysis: &analysis,
            shared: Default::default(),
            parts: None,
        };
        let mut alone = Vec::new();
        rule.check(&cx(), &mut alone);
        let run = rules::run(&[rule], &cx());
        (render(&alone), render(&run))
    })
}

#[test]
fn per_file_phase_reports_what_each_rule_reports_alone() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    for entry in CODES {
        let code = entry.split('/').next().unwrap();
        let rule = rules::by_code(code).expect("rule");
        let dir = root.join(entry);
        for threads in [1, 4] {
            let (alone, run) = both(rule, &dir, threads);
            assert!(alone.len() > 2, "{code}: no findings in {}", dir.display());
            assert_eq!(alone, run, "{code} on {threads} threads");
        }
    }
}

/// The projects of a rule's fixture folder: each sub-folder where the
/// folder holds `separate-projects`, else the folder.
fn projects(dir: &Path) -> Vec<PathBuf> {
    if !dir.join("separate-projects").is_file() {
        return vec![dir.to_path_buf()];
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// The service rules read what the pass makes for them (each file's
/// user-facing strings, the chat UI's evidence per file, whether a name is
/// a minors term) and report what they report alone, where their `check`
/// searches for it: on every project of their fixtures, each of the four
/// rules, on one thread and on four.
#[test]
fn service_rules_report_with_the_pass_what_they_report_alone() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let codes = ["SVC001", "SVC002", "SVC003", "SVC004"];
    let mut found = [0; 4];
    for folder in codes {
        for dir in projects(&root.join(folder)) {
            for (c, code) in codes.iter().enumerate() {
                let rule = rules::by_code(code).expect("rule");
                for threads in [1, 4] {
                    let (alone, run) = both(rule, &dir, threads);
                    assert_eq!(
                        alone,
                        run,
                        "{code} on {} ({threads} threads)",
                        dir.display()
                    );
                    if alone.len() > 2 {
                        found[c] += 1;
                    }
                }
            }
        }
    }
    assert!(
        found.iter().all(|&n| n > 0),
        "every rule reports somewhere: {found:?}"
    );
}

/// The chat UI is the strongest evidence at its first file in path order,
/// with the pass (each file's evidence, files on any thread) as without
/// it (kind by kind): a chat box element in an earlier page loses to a
/// chat component call, and of two such calls the first file's wins.
#[test]
fn chat_ui_is_the_strongest_evidence_at_its_first_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    // "a/…" sorts before "app.py", "b.py" after it.
    write(
        "a/chat.html",
        "<html><body><div id=\"chat-box\">Ask</div></body></html>\n",
    );
    let app = |name: &str| {
        format!(
            "import gradio as gr\nfrom openai import OpenAI\n\nclient = OpenAI()\n\n\n\
             def respond(message, history):\n    return client.chat.completions.create(model=\"m\", messages=[])\n\n\n\
             with gr.Blocks() as {name}:\n    chat = gr.Chatbot()\n    box = gr.Textbox()\n    box.submit(respond, [box, chat], chat)\n"
        )
    };
    write("app.py", &app("demo"));
    write("b.py", &app("other"));
    let rule = rules::by_code("SVC004").expect("rule");
    for threads in [1, 4] {
        let (alone, run) = both(rule, dir.path(), threads);
        assert_eq!(alone, run, "{threads} threads");
        let findings: Vec<serde_json::Value> = serde_json::from_str(&run).unwrap();
        assert_eq!(findings.len(), 1, "{run}");
        assert_eq!(findings[0]["location"]["path"], "app.py", "{run}");
        assert_eq!(findings[0]["location"]["span"]["start_line"], 12, "{run}");
    }
}
