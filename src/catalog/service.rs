//! Service-level duties (`service.toml`): the terms that show a filing
//! number, a complaint channel, an AI-interaction notice or a minors
//! setting to users, what makes a project a chat UI or a consumer app,
//! and which files are translation catalogues. Every list is regular
//! expressions; users extend them from `[catalog.service]`. What the
//! project declares lives outside the repository (`[service]` in the
//! config) is [`ServiceDeclared`].

use super::lazy_set::LazySet;
use serde::{Deserialize, Serialize};

use super::CatalogError;
use super::terms::TermSet;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceData {
    #[serde(default)]
    pub i18n_paths: Vec<String>,
    #[serde(default)]
    pub filing_numbers: Vec<String>,
    #[serde(default)]
    pub filing_runtime: Vec<String>,
    #[serde(default)]
    pub filing_placeholders: Vec<String>,
    #[serde(default)]
    pub complaint_terms: Vec<String>,
    #[serde(default)]
    pub complaint_links: Vec<String>,
    #[serde(default)]
    pub ai_notice_terms: Vec<String>,
    #[serde(default)]
    pub chat_calls: Vec<String>,
    #[serde(default)]
    pub chat_markers: Vec<String>,
    #[serde(default)]
    pub chat_packages: Vec<String>,
    #[serde(default)]
    pub chat_roles: Vec<String>,
    #[serde(default)]
    pub chat_routes: Vec<String>,
    #[serde(default)]
    pub minors_terms: Vec<String>,
    #[serde(default)]
    pub minors_fields: Vec<String>,
    #[serde(default)]
    pub account_contexts: Vec<String>,
    #[serde(default)]
    pub signup_routes: Vec<String>,
    #[serde(default)]
    pub account_routes: Vec<String>,
    #[serde(default)]
    pub account_classes: Vec<String>,
    #[serde(default)]
    pub main_templates: Vec<String>,
    #[serde(default)]
    pub prompt_texts: Vec<String>,
    #[serde(default)]
    pub prompt_names: Vec<String>,
}

/// What the configuration says lives outside the repository (`[service]`):
/// each quiets its rule. Validated in `config`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDeclared {
    /// The filing number as the product displays it.
    pub filing_number: Option<String>,
    /// Where users report or complain (a URL, `mailto:` or e-mail address).
    pub complaint_channel: Option<String>,
    /// Where the minors mode or age check lives.
    pub minors_mode: Option<String>,
    /// Where users are told they interact with an AI.
    pub ai_notice: Option<String>,
}

impl ServiceData {
    pub fn extend(&mut self, other: ServiceData) {
        let ServiceData {
            i18n_paths,
            filing_numbers,
            filing_runtime,
            filing_placeholders,
            complaint_terms,
            complaint_links,
            ai_notice_terms,
            chat_calls,
            chat_markers,
            chat_packages,
            chat_roles,
            chat_routes,
            minors_terms,
            minors_fields,
            account_contexts,
            signup_routes,
            account_routes,
            account_classes,
            main_templates,
            prompt_texts,
            prompt_names,
        } = other;
        self.i18n_paths.extend(i18n_paths);
        self.filing_numbers.extend(filing_numbers);
        self.filing_runtime.extend(filing_runtime);
        self.filing_placeholders.extend(filing_placeholders);
        self.complaint_terms.extend(complaint_terms);
        self.complaint_links.extend(complaint_links);
        self.ai_notice_terms.extend(ai_notice_terms);
        self.chat_calls.extend(chat_calls);
        self.chat_markers.extend(chat_markers);
        self.chat_packages.extend(chat_packages);
        self.chat_roles.extend(chat_roles);
        self.chat_routes.extend(chat_routes);
        self.minors_terms.extend(minors_terms);
        self.minors_fields.extend(minors_fields);
        self.account_contexts.extend(account_contexts);
        self.signup_routes.extend(signup_routes);
        self.account_routes.extend(account_routes);
        self.account_classes.extend(account_classes);
        self.main_templates.extend(main_templates);
        self.prompt_texts.extend(prompt_texts);
        self.prompt_names.extend(prompt_names);
    }
}

/// `ServiceData`, compiled, with the declarations.
pub struct Service {
    pub i18n_paths: LazySet,
    pub filing_numbers: LazySet,
    pub filing_runtime: LazySet,
    pub filing_placeholders: LazySet,
    pub complaint_terms: LazySet,
    pub complaint_links: LazySet,
    pub ai_notice_terms: LazySet,
    pub chat_calls: LazySet,
    pub chat_markers: LazySet,
    pub chat_packages: LazySet,
    pub chat_roles: LazySet,
    pub chat_routes: LazySet,
    pub minors_terms: LazySet,
    pub minors_fields: LazySet,
    pub account_contexts: LazySet,
    pub signup_routes: LazySet,
    pub account_routes: LazySet,
    pub account_classes: LazySet,
    pub main_templates: LazySet,
    pub prompt_texts: LazySet,
    pub prompt_names: LazySet,
    /// Every term a rule looks for among shown strings, of any kind: the
    /// markup frontend keeps only strings that match ([`UiFilter`]), with a
    /// literal prefilter in front of the set.
    ///
    /// [`UiFilter`]: crate::lang::UiFilter
    pub shown_terms: TermSet,
    /// The patterns of `shown_terms` (they key the facts cache).
    pub shown_patterns: Vec<String>,
    pub declared: ServiceDeclared,
}

impl ServiceData {
    /// The patterns the rules match against shown strings (`shows`,
    /// `chat_ui`): what a markup file must keep for the rules to decide as
    /// if they saw every string. Prompt texts are not here: they only drop
    /// strings.
    pub fn shown_terms(&self) -> Vec<String> {
        [
            &self.filing_numbers,
            &self.filing_runtime,
            &self.filing_placeholders,
            &self.complaint_terms,
            &self.complaint_links,
            &self.ai_notice_terms,
            &self.chat_markers,
            &self.chat_packages,
            &self.chat_roles,
            &self.minors_terms,
            &self.minors_fields,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    }
}

/// The terms of [`Service::shown_terms`], compiled on first use. Their
/// syntax is checked by [`Service::build`] (each pattern in its own set);
/// the scan makes these before the catalogue is built, for extraction.
pub fn shown_terms(data: &ServiceData) -> TermSet {
    let patterns = data.shown_terms();
    TermSet::new(LazySet::checked(patterns.clone()), &patterns)
}

impl Service {
    pub fn build(data: &ServiceData, declared: ServiceDeclared) -> Result<Service, CatalogError> {
        let set = |what: &str, res: &[String]| {
            LazySet::new(res).map_err(|e| CatalogError {
                message: format!("service.{what}: bad regex: {e}"),
            })
        };
        Ok(Service {
            i18n_paths: set("i18n_paths", &data.i18n_paths)?,
            filing_numbers: set("filing_numbers", &data.filing_numbers)?,
            filing_runtime: set("filing_runtime", &data.filing_runtime)?,
            filing_placeholders: set("filing_placeholders", &data.filing_placeholders)?,
            complaint_terms: set("complaint_terms", &data.complaint_terms)?,
            complaint_links: set("complaint_links", &data.complaint_links)?,
            ai_notice_terms: set("ai_notice_terms", &data.ai_notice_terms)?,
            chat_calls: set("chat_calls", &data.chat_calls)?,
            chat_markers: set("chat_markers", &data.chat_markers)?,
            chat_packages: set("chat_packages", &data.chat_packages)?,
            chat_roles: set("chat_roles", &data.chat_roles)?,
            chat_routes: set("chat_routes", &data.chat_routes)?,
            minors_terms: set("minors_terms", &data.minors_terms)?,
            minors_fields: set("minors_fields", &data.minors_fields)?,
            account_contexts: set("account_contexts", &data.account_contexts)?,
            signup_routes: set("signup_routes", &data.signup_routes)?,
            account_routes: set("account_routes", &data.account_routes)?,
            account_classes: set("account_classes", &data.account_classes)?,
            main_templates: set("main_templates", &data.main_templates)?,
            prompt_texts: set("prompt_texts", &data.prompt_texts)?,
            prompt_names: set("prompt_names", &data.prompt_names)?,
            shown_terms: shown_terms(data),
            shown_patterns: data.shown_terms(),
            declared,
        })
    }

    /// Whether a file is a translation catalogue, by its path.
    pub fn is_i18n(&self, path: &str) -> bool {
        self.i18n_paths.is_match(path)
    }

    /// A problem with a filing number as declared: not one, or a placeholder.
    pub fn filing_problem(&self, number: &str) -> Option<&'static str> {
        if self.filing_placeholders.is_match(number) {
            Some("is a placeholder, not a filing number")
        } else if !self.filing_numbers.is_match(number) {
            Some(
                "is not a filing number: expected `网信算备` with 21 digits and `号`, or a launch number (上线编号) such as `Beijing-Name-20240101S0001`",
            )
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::{Catalog, CatalogData};

    #[test]
    fn builtin_terms() {
        let c = Catalog::load(&CatalogData::default()).unwrap();
        let s = &c.service;
        assert!(s.filing_numbers.is_match("网信算备110108823483901230011号"));
        assert!(
            s.filing_numbers
                .is_match("上线编号：Beijing-WenXin-20230821S0001")
        );
        assert!(!s.filing_numbers.is_match("网信算备1101号"));
        assert!(
            s.filing_placeholders
                .is_match("网信算备000000000000000000000号")
        );
        assert!(s.filing_placeholders.is_match("网信算备XXXXXXXX号"));
        assert!(s.filing_runtime.is_match("网信算备{{}}号"));
        assert!(
            s.filing_problem("网信算备110108823483901230011号")
                .is_none()
        );
        assert!(s.filing_problem("网信算备XXXX号").is_some());
        assert!(s.filing_problem("pending").is_some());
        assert!(s.is_i18n("web/src/locales/zh-CN.json"));
        assert!(s.is_i18n("static/messages.zh-CN.json"));
        assert!(!s.is_i18n("config/app.json"));
        assert!(s.complaint_terms.is_match("一键举报"));
        assert!(s.complaint_terms.is_match("Send feedback"));
        assert!(!s.complaint_terms.is_match("Generate report"));
        assert!(s.complaint_links.is_match("/report"));
        assert!(s.complaint_links.is_match("mailto:abuse@example.com"));
        assert!(!s.complaint_links.is_match("/reporting-dashboard"));
        assert!(s.ai_notice_terms.is_match("You are chatting with an AI"));
        assert!(s.ai_notice_terms.is_match("内容由人工智能生成"));
        assert!(!s.ai_notice_terms.is_match("Chat with your documents"));
        assert!(s.ai_notice_terms.is_match("Ask two anonymous AI chatbots"));
        assert!(s.minors_terms.is_match("minor_mode"));
        assert!(!s.minors_terms.is_match("date_of_birth"));
        assert!(s.minors_fields.is_match("date_of_birth"));
        assert!(s.account_contexts.is_match("UserProfile"));
        assert!(s.signup_routes.is_match("/api/signup"));
        assert!(!s.signup_routes.is_match("/api/login"));
        assert!(!s.signup_routes.is_match("/register_worker"));
        assert!(
            !s.signup_routes
                .is_match("fastchat.serve.controller.register_worker")
        );
        assert!(s.signup_routes.is_match("/v1/user/register"));
        assert!(s.signup_routes.is_match("app.views.register"));
        assert!(s.signup_routes.is_match("register_user"));
        assert!(s.minors_terms.is_match("未成年人模式"));
        assert!(!s.minors_terms.is_match("minor_version"));
        assert!(s.minors_terms.is_match("check_age_gate"));
        assert!(!s.minors_terms.is_match("exceeded your usage limit"));
        assert!(s.account_routes.is_match("/api/auth/signup"));
        assert!(s.account_routes.is_match("/login"));
        assert!(!s.account_routes.is_match("/blogin"));
        assert!(s.chat_calls.is_match("gradio.Chatbot"));
        assert!(s.chat_markers.is_match("chat-box"));
        assert!(s.chat_packages.is_match("@chatscope/chat-ui-kit-react"));
        assert!(!s.chat_packages.is_match("react-dom"));
        assert!(s.chat_roles.is_match("assistant"));
        assert!(!s.chat_roles.is_match("admin"));
        assert!(s.chat_routes.is_match("/api/v1/chat/completions"));
        assert!(!s.chat_routes.is_match("/api/images/generate"));
        assert!(s.prompt_texts.is_match("You are a helpful AI assistant."));
        assert!(s.prompt_names.is_match("SYSTEM_PROMPT"));
        assert!(!s.prompt_texts.is_match("AI assistant"));
        assert!(!s.prompt_texts.is_match("You are chatting with an AI."));
    }
}
