//! Snapshots of the text and SARIF reports for a multi-file project fixture
//! (`fixtures/projects/chat_service`). Review changes with `cargo insta review`.

use std::process::Command;

fn report(format: &str) -> String {
    let repo = env!("CARGO_MANIFEST_DIR");
    let project = format!("{repo}/fixtures/projects/chat_service");
    let out = Command::new(env!("CARGO_BIN_EXE_synthlint"))
        .args([
            "check",
            ".",
            "--format",
            format,
            "--no-color",
            "--root",
            ".",
        ])
        .current_dir(&project)
        .env_remove("NO_COLOR")
        .output()
        .expect("run synthlint");
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn text_report_of_a_project() {
    insta::assert_snapshot!("chat_service_text", report("text"));
}

#[test]
fn sarif_report_of_a_project() {
    insta::assert_snapshot!("chat_service_sarif", report("sarif"));
}
