//! Model API hosts, as data (`hosts.toml`): who runs a host and where, and
//! which paths on it generate content. Used to name the real provider behind
//! an OpenAI-compatible `base_url`, and to recognise plain HTTP calls
//! (`requests.post("https://api.deepseek.com/chat/completions")`) as generation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::{ContentType, Jurisdiction};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Host {
    /// `api.deepseek.com`, or `*.openai.azure.com` for any subdomain.
    pub host: String,
    pub provider: String,
    pub jurisdiction: Jurisdiction,
    /// Speaks the OpenAI HTTP API, so the shared OpenAI-compatible paths apply.
    #[serde(default)]
    pub openai_compatible: bool,
    /// Path suffix → what a request to it generates (on top of the shared paths).
    #[serde(default)]
    pub paths: BTreeMap<String, Vec<ContentType>>,
    /// A model server the product runs on its own machine (`host` is then
    /// only its name): it matches any local host, and only on its `paths`.
    #[serde(default)]
    pub local: bool,
    /// Any server at a base URL known only at run time (`host` is then
    /// only its name): it matches no host, only a request from a client
    /// marked `run_time_base` whose URL is a run-time base plus one of its
    /// `paths` (`format!("{}/chat/completions", base)`).
    #[serde(default)]
    pub run_time: bool,
}

/// An HTTP client call that sends a request to a URL argument.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpCall {
    pub id: String,
    /// The language whose names `patterns` match.
    #[serde(default)]
    pub language: crate::facts::Language,
    /// Resolved-callee patterns (`requests.post`, `httpx.AsyncClient().post`).
    pub patterns: Vec<String>,
    /// Position of the URL among positional arguments...
    pub url_position: Option<usize>,
    /// ...or its keyword.
    pub url_keyword: Option<String>,
    /// A request to a base URL known only at run time plus a path of a
    /// `run_time` host is a generation call of that kind of server.
    #[serde(default)]
    pub run_time_base: bool,
}

/// A call that builds a URL from parts (`analysis::hops` reads URLs through
/// it), matched on its name as written or that name's last segment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrlCall {
    pub id: String,
    /// `urljoin`, `os.environ.get`.
    pub names: Vec<String>,
    pub kind: UrlCallKind,
    /// The positional argument that holds the part (the default of an
    /// environment read); a join reads its first two.
    #[serde(default)]
    pub position: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UrlCallKind {
    /// `urljoin(base, path)`: the base, then the path.
    Join,
    /// `os.environ.get("BASE", "https://...")`: the literal default.
    EnvDefault,
    /// `os.environ["BASE"]`: the mapping read by key (a variable with no
    /// default in the code; its value comes from the project's configuration).
    EnvIndex,
}

/// A client library that reads its server from the environment when the
/// code passes no base URL: `OpenAI()` with `OPENAI_BASE_URL` set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvEndpoint {
    pub id: String,
    /// Generation APIs whose provider is one of these.
    pub providers: Vec<String>,
    /// The variables, in the order the library reads them.
    pub vars: Vec<String>,
    /// Module attributes the code may set instead, which win over the
    /// variables (`dashscope.base_http_api_url = "..."`).
    #[serde(default)]
    pub attributes: Vec<String>,
}

/// Settings classes whose fields read the environment
/// (`class Settings(BaseSettings)`: `base_url` reads `PREFIX` + `BASE_URL`,
/// in any case).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsClass {
    pub id: String,
    /// Resolved names of the base classes.
    pub bases: Vec<String>,
    /// The configuration key that sets the variables' prefix
    /// (`model_config = SettingsConfigDict(env_prefix="APP_")`, or in a
    /// nested `class Config`).
    pub prefix_key: String,
}

/// A tracing or telemetry service that settings switch on, and where it
/// sends what it records unless an endpoint setting points elsewhere.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigTracing {
    pub id: String,
    pub service: String,
    /// Settings that switch it on when true (`LANGCHAIN_TRACING_V2=true`).
    #[serde(default)]
    pub switch: Vec<String>,
    /// Settings whose presence switches it on (API keys).
    #[serde(default)]
    pub keys: Vec<String>,
    /// Settings that name its server; unset means the cloud.
    #[serde(default)]
    pub endpoint: Vec<String>,
    /// Hosts of its cloud (`*.` for sub-domains).
    pub cloud_hosts: Vec<String>,
    /// Library calls that send to it (first name segment: `langfuse`).
    #[serde(default)]
    pub modules: Vec<String>,
    /// Generation APIs whose calls it records, by a part of the provider
    /// name (`via LangChain`).
    #[serde(default)]
    pub traces_providers: Vec<String>,
    /// Settings that keep prompts and completions out of what it records
    /// when false (`NEW_RELIC_AI_MONITORING_RECORD_CONTENT_ENABLED`).
    #[serde(default)]
    pub content_switch: Vec<String>,
    /// Calls in the code that switch it on (`ddtrace.llmobs.LLMObs.enable`).
    #[serde(default)]
    pub enable_calls: Vec<String>,
    /// Its own settings files, by name (`newrelic.ini`)...
    #[serde(default)]
    pub files: Vec<String>,
    /// ...and their keys that mean what `switch` and `content_switch` mean
    /// (`ai_monitoring.enabled`, `ai_monitoring.record_content.enabled`).
    #[serde(default)]
    pub file_switch: Vec<String>,
    #[serde(default)]
    pub file_content_switch: Vec<String>,
    /// Keys of its settings files that add request data to every record
    /// (`attributes.include`) when their value names one of
    /// `capture_values` (`request.parameters.`).
    #[serde(default)]
    pub file_capture_keys: Vec<String>,
    #[serde(default)]
    pub capture_values: Vec<String>,
}

/// A cloud API served from the region its client or the settings name
/// (Amazon Bedrock, Vertex AI, Azure OpenAI): the region, when known,
/// decides whether requests leave mainland China.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionSetting {
    pub id: String,
    /// Generation APIs whose provider name contains one of these.
    pub providers: Vec<String>,
    /// Keywords of the call or its client's constructor (`region_name`).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Calls that set the region for the whole process
    /// (`vertexai.init(location=...)`), read with `keywords`.
    #[serde(default)]
    pub init_calls: Vec<String>,
    /// Environment variables the library reads, in its order (`AWS_REGION`).
    #[serde(default)]
    pub vars: Vec<String>,
    /// Terraform resources that create the service, with the attribute
    /// that holds the region (and, for shared resource types, a kind).
    #[serde(default)]
    pub terraform: Vec<TerraformRegion>,
    /// Regions inside mainland China, as globs over the name in lower case
    /// without spaces (`cn-*`, `china*`); any other region is outside.
    #[serde(default)]
    pub domestic: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerraformRegion {
    /// `azurerm_cognitive_account`.
    pub resource: String,
    /// `location`.
    pub attribute: String,
    /// Attributes the block must also have (`kind = "OpenAI"`).
    #[serde(default)]
    pub when: BTreeMap<String, String>,
}

impl RegionSetting {
    /// Whether it applies to a generation call of `provider`.
    pub fn covers(&self, provider: &str) -> bool {
        self.providers.iter().any(|p| provider.contains(p.as_str()))
    }

    /// Inside mainland China? (`None` for a value that names no region.)
    pub fn is_domestic(&self, region: &str) -> Option<bool> {
        let r: String = region
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if r.is_empty() || !r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return None;
        }
        Some(self.domestic.iter().any(|d| match d.strip_suffix('*') {
            Some(head) => r.starts_with(head),
            None => r == *d,
        }))
    }
}

impl ConfigTracing {
    /// Whether `host` is one of its cloud hosts.
    pub fn is_cloud(&self, host: &str) -> bool {
        self.cloud_hosts.iter().any(|c| match c.strip_prefix("*.") {
            Some(tail) => host == tail || host.ends_with(&format!(".{tail}")),
            None => host == c,
        })
    }
}

impl UrlCall {
    pub fn matches(&self, name: &str) -> bool {
        let last = name.rsplit('.').next().unwrap_or(name);
        self.names.iter().any(|n| n == name || n == last)
    }
}

/// Generated RPC stubs: a call of `method` on a stub of a service runs the
/// method of that name in the project class that implements the service.
/// The module and class names are the code generator's conventions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RpcStub {
    pub id: String,
    #[serde(default)]
    pub language: crate::facts::Language,
    /// The generated module's name ends so (`_pb2_grpc`).
    pub module_suffix: String,
    /// Client stubs are `<Service>Stub`...
    pub stub_suffix: String,
    /// ...and servicer bases `<Service>Servicer` in the same module...
    #[serde(default)]
    pub servicer_suffix: String,
    /// ...or, where servers have a module of their own, the trait `<S>` of
    /// module `<s>_server` (tonic).
    #[serde(default)]
    pub servicer_module_suffix: Option<String>,
    /// Clients generated from the project's `.proto` files, whose methods
    /// are the rpc names in snake case (tonic-build): a call joins only the
    /// rpcs and services those files declare.
    #[serde(default)]
    pub from_proto: bool,
    /// Associated functions that make a client (`connect`, `new`): a
    /// method of their result is a method of the client.
    #[serde(default)]
    pub constructors: Vec<String>,
    /// The generated function that registers a servicer instance is
    /// `<prefix><Service><suffix>` in the generated module
    /// (`add_ChatServicer_to_server`): the class it is given serves that
    /// service whatever its bases.
    #[serde(default)]
    pub register_prefix: String,
    #[serde(default)]
    pub register_suffix: String,
}

/// A model server that serves each model of a repository directory at a
/// route named after the model's directory (Triton: `<model>/<version>/model.py`
/// at `/v2/models/<model>/infer`). Gives entry points of `framework` that
/// have no route one, for hops to them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelRepository {
    pub framework: String,
    /// The route, `{}` standing for the model's name.
    pub route: String,
    /// How many directories above the entry point's file the model's directory is.
    pub levels: usize,
}

impl ModelRepository {
    /// The route of the model an entry point in file `path` serves.
    pub fn route_for(&self, path: &str) -> Option<String> {
        let dirs: Vec<&str> = path.split('/').collect();
        let model = dirs.len().checked_sub(1 + self.levels).map(|i| dirs[i])?;
        (!model.is_empty()).then(|| self.route.replace("{}", model))
    }
}

/// A URL split into host and path (no scheme validation beyond `http(s)://`).
pub fn split_url(url: &str) -> Option<(String, String)> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host = authority
        .rsplit('@')
        .next()?
        .split(':')
        .next()?
        .to_ascii_lowercase();
    let path = path
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .trim_end_matches('/')
        .to_string();
    (!host.is_empty()).then_some((host, path))
}

impl Host {
    pub fn matches(&self, host: &str) -> bool {
        if self.run_time {
            return false;
        }
        if self.local {
            return is_local(host);
        }
        match self.host.strip_prefix("*.") {
            Some(suffix) => host == suffix || host.ends_with(&format!(".{suffix}")),
            None => host == self.host,
        }
    }
}

/// A host that is obviously the product's own machine or network.
pub fn is_local(host: &str) -> bool {
    host == "localhost"
        || host.starts_with("127.")
        || host == "0.0.0.0"
        || host == "[::1]"
        || host.ends_with(".local")
        || host.ends_with(".internal")
        || host.ends_with(".svc")
        || host.ends_with(".cluster.local")
        || host.starts_with("10.")
        || host.starts_with("192.168.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_host_and_path() {
        assert_eq!(
            split_url("https://api.deepseek.com/v1/chat/completions?x=1"),
            Some(("api.deepseek.com".into(), "/v1/chat/completions".into()))
        );
        assert_eq!(
            split_url("http://user@LOCALHOST:8000/"),
            Some(("localhost".into(), "".into()))
        );
        assert_eq!(split_url("ftp://x"), None);
    }

    #[test]
    fn models_are_routed_by_their_directory() {
        let triton = ModelRepository {
            framework: "triton".into(),
            route: "/v2/models/{}/infer".into(),
            levels: 2,
        };
        assert_eq!(
            triton
                .route_for("runtime/model_repo/tts/1/model.py")
                .as_deref(),
            Some("/v2/models/tts/infer")
        );
        assert_eq!(triton.route_for("model.py"), None);
    }
}
