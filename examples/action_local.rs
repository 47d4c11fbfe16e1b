//! Runs the GitHub Action's steps (`action.yml`) locally, the way a runner
//! does, against a copy of the demo project: each `run:` script under
//! `bash --noprofile --norc -eo pipefail`, with the step's `env:` and `if:`
//! expressions evaluated, a simulated `GITHUB_*` environment (outputs file,
//! PATH file, job summary, runner temp), `actions/cache` simulated by a
//! directory and `cargo` replaced by a stub that installs the binary built
//! for the tests. The upload step is checked for its SARIF file instead.
//!
//! `scripts/action-local` runs the three cases CI checks: clean, findings,
//! config error. Usage: `action_local CASE SYNTHLINT_BINARY`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use yaml_rust2::{Yaml, YamlLoader};

struct Runner {
    repo: PathBuf,
    workspace: PathBuf,
    temp: PathBuf,
    inputs: BTreeMap<String, String>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    path_dirs: Vec<String>,
    failed: bool,
}

impl Runner {
    /// The value of a context path such as `inputs.paths`.
    fn lookup(&self, path: &str) -> String {
        let parts: Vec<&str> = path.split('.').collect();
        match parts.as_slice() {
            ["inputs", name] => self.inputs.get(*name).cloned().unwrap_or_default(),
            ["github", "action_path"] => self.repo.display().to_string(),
            ["github", "action_ref"] => "local".into(),
            ["runner", "temp"] => self.temp.display().to_string(),
            ["steps", id, "outputs", key] => self
                .outputs
                .get(*id)
                .and_then(|o| o.get(*key))
                .cloned()
                .unwrap_or_default(),
            // Not a pull request.
            ["github", "event", ..] => String::new(),
            _ => panic!("unknown context `{path}`"),
        }
    }

    /// `${{ expr }}` inside a string, each replaced by its value.
    fn interpolate(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${{") {
            out.push_str(&rest[..i]);
            let end = rest[i..].find("}}").expect("closed expression") + i;
            out.push_str(&self.eval(rest[i + 3..end].trim()).text());
            rest = &rest[end + 2..];
        }
        out + rest
    }

    fn eval(&self, expr: &str) -> Value {
        let tokens = tokenize(expr);
        let mut p = Parser {
            r: self,
            t: &tokens,
            i: 0,
        };
        let v = p.or();
        assert_eq!(p.i, tokens.len(), "trailing tokens in `{expr}`");
        v
    }
}

#[derive(Clone, Debug)]
enum Value {
    Str(String),
    Bool(bool),
}

impl Value {
    fn truthy(&self) -> bool {
        match self {
            Value::Str(s) => !s.is_empty(),
            Value::Bool(b) => *b,
        }
    }
    fn text(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
        }
    }
}

fn tokenize(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let start = i;
            i += 1;
            while chars[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push(chars[start..i].iter().collect());
        } else if "=!&|".contains(c) && i + 1 < chars.len() && "=&|".contains(chars[i + 1]) {
            out.push(chars[i..i + 2].iter().collect());
            i += 2;
        } else if "()!".contains(c) {
            out.push(c.to_string());
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || "._-".contains(chars[i])) {
                i += 1;
            }
            assert!(i > start, "unexpected `{c}` in `{s}`");
            out.push(chars[start..i].iter().collect());
        }
    }
    out
}

/// The expression forms action.yml uses: `||`, `&&`, `!`, `==`, `!=`,
/// parentheses, string literals, `always()` and context paths.
struct Parser<'a> {
    r: &'a Runner,
    t: &'a [String],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.t.get(self.i).map(String::as_str)
    }
    fn or(&mut self) -> Value {
        let mut v = self.and();
        while self.peek() == Some("||") {
            self.i += 1;
            let w = self.and();
            v = Value::Bool(v.truthy() || w.truthy());
        }
        v
    }
    fn and(&mut self) -> Value {
        let mut v = self.cmp();
        while self.peek() == Some("&&") {
            self.i += 1;
            let w = self.cmp();
            v = Value::Bool(v.truthy() && w.truthy());
        }
        v
    }
    fn cmp(&mut self) -> Value {
        let v = self.unary();
        match self.peek() {
            Some("==") | Some("!=") => {
                let eq = self.peek() == Some("==");
                self.i += 1;
                let w = self.unary();
                Value::Bool((v.text() == w.text()) == eq)
            }
            _ => v,
        }
    }
    fn unary(&mut self) -> Value {
        let tok = self.t[self.i].clone();
        self.i += 1;
        match tok.as_str() {
            "!" => Value::Bool(!self.unary().truthy()),
            "(" => {
                let v = self.or();
                assert_eq!(self.peek(), Some(")"));
                self.i += 1;
                v
            }
            "always" => {
                assert_eq!(self.t[self.i..self.i + 2], ["(", ")"]);
                self.i += 2;
                Value::Bool(true)
            }
            t if t.starts_with('\'') => Value::Str(t[1..t.len() - 1].to_string()),
            t => Value::Str(self.r.lookup(t)),
        }
    }
}

fn read_kv(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Runs every step; returns whether the job succeeded.
fn run_job(r: &mut Runner, action: &Yaml) -> bool {
    for step in action["runs"]["steps"].as_vec().unwrap() {
        let name = step["name"].as_str().unwrap_or("?");
        let condition = step["if"].as_str().map(|c| {
            c.trim()
                .trim_start_matches("${{")
                .trim_end_matches("}}")
                .trim()
                .to_string()
        });
        // `success()` is implied without `always()`.
        let run = match &condition {
            Some(c) => r.eval(c).truthy() && (c.contains("always()") || !r.failed),
            None => !r.failed,
        };
        if !run {
            println!("-- skip: {name}");
            continue;
        }
        let id = step["id"].as_str().map(str::to_owned);
        if let Some(uses) = step["uses"].as_str() {
            println!("-- {name} ({uses}, simulated)");
            if uses.starts_with("actions/cache@") {
                let dir = r.interpolate(step["with"]["path"].as_str().unwrap());
                let hit = Path::new(&dir).join("bin/synthlint").exists();
                if let Some(id) = id {
                    r.outputs
                        .entry(id)
                        .or_default()
                        .insert("cache-hit".into(), hit.to_string());
                }
            } else if uses.starts_with("github/codeql-action/upload-sarif@") {
                let file = r
                    .workspace
                    .join(r.interpolate(step["with"]["sarif_file"].as_str().unwrap()));
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                let ok = serde_json::from_str::<serde_json::Value>(&text)
                    .is_ok_and(|v| v["version"] == "2.1.0");
                println!(
                    "   upload {}: {}",
                    file.display(),
                    if ok {
                        "valid SARIF"
                    } else {
                        "MISSING OR INVALID"
                    }
                );
                if !ok {
                    r.failed = true;
                }
            }
            continue;
        }
        let script = step["run"].as_str().expect("a run step");
        let dir = r.temp.join(format!("step-{}", name.replace(' ', "-")));
        std::fs::create_dir_all(&dir).unwrap();
        let script_file = dir.join("script.sh");
        std::fs::write(&script_file, script).unwrap();
        let output_file = dir.join("output");
        let path_file = dir.join("path");
        std::fs::write(&output_file, "").unwrap();
        std::fs::write(&path_file, "").unwrap();
        let mut path = r.path_dirs.join(":");
        path.push(':');
        path.push_str(&std::env::var("PATH").unwrap_or_default());
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_file)
            .current_dir(&r.workspace)
            .env("PATH", path)
            .env("HOME", r.temp.join("home"))
            .env("RUSTUP_HOME", tool_home("RUSTUP_HOME", ".rustup"))
            .env("CARGO_HOME", tool_home("CARGO_HOME", ".cargo"))
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_PATH", &path_file)
            .env("GITHUB_STEP_SUMMARY", r.temp.join("summary.md"))
            .env("GITHUB_WORKSPACE", &r.workspace)
            .env("GITHUB_ACTIONS", "true")
            .env("RUNNER_TEMP", &r.temp)
            .env("RUNNER_OS", "Linux")
            .env("NO_COLOR", "1");
        if let Some(env) = step["env"].as_hash() {
            for (k, v) in env {
                let value = match v {
                    Yaml::String(s) => r.interpolate(s),
                    other => panic!("env value {other:?}"),
                };
                cmd.env(k.as_str().unwrap(), value);
            }
        }
        println!("-- {name}");
        let status = cmd.status().unwrap();
        let code = status.code().unwrap_or(-1);
        if let Some(id) = id {
            r.outputs.insert(id, read_kv(&output_file));
        }
        for line in std::fs::read_to_string(&path_file).unwrap().lines() {
            r.path_dirs.insert(0, line.to_string());
        }
        if code != 0 {
            println!("   step failed with exit status {code}");
            r.failed = true;
        }
    }
    !r.failed
}

/// Where rustup and cargo keep their state, which the simulated `HOME` hides.
fn tool_home(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(default)
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, case, binary] = &args[..] else {
        eprintln!("usage: action_local clean|findings|config-error SYNTHLINT_BINARY");
        return ExitCode::from(2);
    };
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let action =
        YamlLoader::load_from_str(&std::fs::read_to_string(repo.join("action.yml")).unwrap())
            .unwrap()
            .remove(0);
    let tmp = tempfile::tempdir().unwrap();
    let workspace = tmp.path().join("workspace");
    copy_dir(&repo.join("demo"), &workspace.join("demo"));
    std::fs::create_dir_all(workspace.join(".git")).unwrap();
    let temp = tmp.path().join("runner-temp");
    std::fs::create_dir_all(temp.join("home")).unwrap();
    // `cargo install --path P --root R` installs the binary built for the tests.
    let stubs = tmp.path().join("stubs");
    std::fs::create_dir_all(&stubs).unwrap();
    std::fs::write(
        stubs.join("cargo"),
        format!(
            "#!/usr/bin/env bash\nset -eu\n[[ \"$1\" == install ]] || exit 64\nwhile [[ $# -gt 0 ]]; do if [[ \"$1\" == --root ]]; then root=\"$2\"; fi; shift; done\nmkdir -p \"$root/bin\"\ncp '{binary}' \"$root/bin/synthlint\"\necho \"stub cargo: installed into $root\" >&2\n"
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(stubs.join("cargo"))
        .unwrap()
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(stubs.join("cargo"), perms).unwrap();

    let mut inputs: BTreeMap<String, String> = action["inputs"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let default = match &v["default"] {
                Yaml::String(s) => s.clone(),
                Yaml::Boolean(b) => b.to_string(),
                _ => String::new(),
            };
            (k.as_str().unwrap().to_string(), default)
        })
        .collect();
    inputs.insert("upload".into(), "true".into());
    let (want_success, want_code) = match case.as_str() {
        "clean" => {
            inputs.insert("paths".into(), "demo/storyteller/__init__.py".into());
            (true, "0")
        }
        "findings" => {
            inputs.insert("paths".into(), "demo".into());
            (false, "1")
        }
        "config-error" => {
            inputs.insert("paths".into(), "demo".into());
            std::fs::write(workspace.join("synthlint.toml"), "selct = [\"GEN\"]\n").unwrap();
            (false, "2")
        }
        other => {
            eprintln!("unknown case {other}");
            return ExitCode::from(2);
        }
    };
    let mut runner = Runner {
        repo,
        workspace: workspace.clone(),
        temp: temp.clone(),
        inputs,
        outputs: BTreeMap::new(),
        path_dirs: vec![stubs.display().to_string()],
        failed: false,
    };
    let success = run_job(&mut runner, &action);
    let code = runner.lookup("steps.scan.outputs.exit-code");
    let summary = std::fs::read_to_string(temp.join("summary.md")).unwrap_or_default();
    let sarif = std::fs::read_to_string(workspace.join("synthlint.sarif")).unwrap_or_default();
    let mut problems = Vec::new();
    if success != want_success {
        problems.push(format!("job succeeded: {success}, expected {want_success}"));
    }
    if code != want_code {
        problems.push(format!("exit-code output `{code}`, expected {want_code}"));
    }
    match case.as_str() {
        "config-error" => {
            if !sarif.is_empty() {
                problems.push("a SARIF file after a config error".into());
            }
        }
        _ => {
            let log: serde_json::Value = serde_json::from_str(&sarif).unwrap_or_default();
            let results = log["runs"][0]["results"].as_array().map_or(0, Vec::len);
            if (case == "findings") != (results > 0) {
                problems.push(format!("{results} SARIF results"));
            }
            if !summary.contains("# synthlint review") || !summary.contains("## Endpoints") {
                problems.push("no reviewer report in the job summary".into());
            }
        }
    }
    if problems.is_empty() {
        println!(
            "action case {case}: ok (job {}, exit-code {code})",
            if success { "passed" } else { "failed" }
        );
        ExitCode::SUCCESS
    } else {
        println!("action case {case}: FAILED: {}", problems.join("; "));
        ExitCode::FAILURE
    }
}
