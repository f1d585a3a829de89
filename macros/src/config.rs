//! The macro arguments: `flavor`, `worker_threads`, `wait_threads`,
//! `start_paused` and `crate`.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Error, Ident, Lit, LitStr, Path, Token};

/// Which attribute is being expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[myrt::main]`: defaults to the multi-thread runtime.
    Main,
    /// `#[myrt::test]`: defaults to the current-thread runtime.
    Test,
}

/// The runtime flavor the expansion builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    MultiThread,
    CurrentThread,
}

/// The options of one attribute, defaults filled in.
pub(crate) struct Config {
    pub(crate) flavor: Flavor,
    /// The worker count and the span of the literal that gave it.
    pub(crate) worker_threads: Option<(usize, Span)>,
    /// Path of the runtime crate (`::myrt` unless `crate = "..."`).
    pub(crate) krate: Path,
    /// `#[myrt::main]` waits for the non-daemon `myrt::thread`s after the
    /// body (`wait_threads = false` opts out; always false for tests).
    pub(crate) wait_threads: bool,
    /// Build the runtime with its clock paused (`start_paused = true`).
    pub(crate) start_paused: bool,
}

const OPTIONS: &str = "`flavor`, `worker_threads`, `wait_threads`, `start_paused`, `crate`";

impl Config {
    /// The configuration of a bare `#[myrt::main]` / `#[myrt::test]`.
    pub(crate) fn default_for(kind: Kind) -> Config {
        Config {
            flavor: match kind {
                Kind::Main => Flavor::MultiThread,
                Kind::Test => Flavor::CurrentThread,
            },
            worker_threads: None,
            krate: syn::parse_quote!(::myrt),
            wait_threads: kind == Kind::Main,
            start_paused: false,
        }
    }
}

/// Parses the tokens inside `#[myrt::main(...)]`.
///
/// Every bad option is reported (combined into one `syn::Error`), each
/// spanned on the offending name or value.
pub(crate) fn parse_config(attr: TokenStream, kind: Kind) -> syn::Result<Config> {
    (|input: ParseStream<'_>| parse_options(input, kind)).parse2(attr)
}

fn parse_options(input: ParseStream<'_>, kind: Kind) -> syn::Result<Config> {
    let mut config = Config::default_for(kind);
    let mut flavor = None;
    let mut workers: Option<(Ident, usize, Span)> = None;
    let mut paused: Option<Ident> = None;
    let mut seen: Vec<String> = Vec::new();
    let mut errors: Option<Error> = None;
    let mut report = |e: Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };

    while !input.is_empty() {
        if !input.peek(Ident::peek_any) {
            return Err(input.error(format!("expected an option, one of {OPTIONS}")));
        }
        let name = input.call(Ident::parse_any)?;
        input.parse::<Token![=]>()?;
        let value: Lit = input.parse()?;
        let key = name.to_string();
        let result = if seen.contains(&key) {
            Err(Error::new(name.span(), format!("duplicate option `{key}`")))
        } else {
            seen.push(key.clone());
            match key.as_str() {
                "flavor" => parse_flavor(&value).map(|f| flavor = Some(f)),
                "worker_threads" => parse_workers(&value).map(|n| {
                    workers = Some((name.clone(), n, value.span()));
                }),
                "crate" => parse_crate(&value).map(|path| config.krate = path),
                "wait_threads" => parse_wait_threads(&value, kind).map(|w| config.wait_threads = w),
                "start_paused" => parse_start_paused(&value).map(|p| {
                    config.start_paused = p;
                    if p {
                        paused = Some(name.clone());
                    }
                }),
                _ => Err(Error::new(
                    name.span(),
                    format!("unknown option `{key}`; expected one of {OPTIONS}"),
                )),
            }
        };
        if let Err(e) = result {
            report(e);
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }

    config.flavor = flavor.unwrap_or(config.flavor);
    if let Some((name, n, span)) = workers {
        if config.flavor == Flavor::CurrentThread {
            report(Error::new(
                name.span(),
                "`worker_threads` needs the multi-thread runtime; \
                 add `flavor = \"multi_thread\"` or remove it",
            ));
        }
        config.worker_threads = Some((n, span));
    }
    if let Some(name) = paused {
        if config.flavor == Flavor::MultiThread {
            report(Error::new(
                name.span(),
                "`start_paused` needs the current-thread runtime (paused time jumps when it is idle); \
                 remove `flavor = \"multi_thread\"` or `start_paused`",
            ));
        }
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(config),
    }
}

fn expect_str<'a>(value: &'a Lit, option: &str, example: &str) -> syn::Result<&'a LitStr> {
    match value {
        Lit::Str(s) => Ok(s),
        _ => Err(Error::new(
            value.span(),
            format!("`{option}` takes a string, such as `{option} = \"{example}\"`"),
        )),
    }
}

fn parse_flavor(value: &Lit) -> syn::Result<Flavor> {
    let s = expect_str(value, "flavor", "current_thread")?;
    match s.value().as_str() {
        "multi_thread" => Ok(Flavor::MultiThread),
        "current_thread" => Ok(Flavor::CurrentThread),
        other => Err(Error::new(
            s.span(),
            format!("unknown flavor `{other}`; expected \"multi_thread\" or \"current_thread\""),
        )),
    }
}

fn parse_workers(value: &Lit) -> syn::Result<usize> {
    let msg = "`worker_threads` takes a positive integer, such as `worker_threads = 4`";
    let Lit::Int(lit) = value else {
        return Err(Error::new(value.span(), msg));
    };
    match lit.base10_parse::<usize>() {
        Ok(0) => Err(Error::new(
            lit.span(),
            "`worker_threads` must be at least 1",
        )),
        Ok(n) => Ok(n),
        Err(_) => Err(Error::new(lit.span(), msg)),
    }
}

fn parse_wait_threads(value: &Lit, kind: Kind) -> syn::Result<bool> {
    let Lit::Bool(b) = value else {
        return Err(Error::new(
            value.span(),
            "`wait_threads` takes a bool, such as `wait_threads = false`",
        ));
    };
    if kind == Kind::Test {
        return Err(Error::new(
            b.span(),
            "`wait_threads` applies to `#[myrt::main]` only; a test does not wait for its threads",
        ));
    }
    Ok(b.value)
}

fn parse_start_paused(value: &Lit) -> syn::Result<bool> {
    match value {
        Lit::Bool(b) => Ok(b.value),
        _ => Err(Error::new(
            value.span(),
            "`start_paused` takes a bool, such as `start_paused = true`",
        )),
    }
}

fn parse_crate(value: &Lit) -> syn::Result<Path> {
    let s = expect_str(value, "crate", "myrt")?;
    s.parse::<Path>().map_err(|_| {
        let found = s.value();
        Error::new(
            s.span(),
            format!("`crate` must be a path, such as \"myrt\"; found \"{found}\""),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn parse(src: &str, kind: Kind) -> syn::Result<Config> {
        parse_config(src.parse().expect("test input tokenizes"), kind)
    }

    fn parse_err(src: &str, kind: Kind) -> Error {
        match parse(src, kind) {
            Ok(_) => panic!("`{src}` parsed without error"),
            Err(e) => e,
        }
    }

    /// Asserts `err` has exactly the `expected` (message, token) pairs, each
    /// spanned on the first occurrence of its token in the one-line `src`.
    fn assert_errors(src: &str, kind: Kind, expected: &[(&str, &str)]) {
        let got: Vec<(String, usize)> = parse_err(src, kind)
            .into_iter()
            .map(|e| (e.to_string(), e.span().start().column))
            .collect();
        let want: Vec<(String, usize)> = expected
            .iter()
            .map(|(msg, token)| (msg.to_string(), src.find(token).expect("token in src")))
            .collect();
        assert_eq!(got, want, "errors for `{src}`");
    }

    #[test]
    fn defaults_depend_on_the_macro() {
        let main = parse("", Kind::Main).unwrap();
        assert_eq!(main.flavor, Flavor::MultiThread);
        assert!(main.worker_threads.is_none());
        assert_eq!(main.krate.to_token_stream().to_string(), ":: myrt");
        assert_eq!(parse("", Kind::Test).unwrap().flavor, Flavor::CurrentThread);
    }

    #[test]
    fn start_paused_needs_a_bool_and_the_current_thread_runtime() {
        assert!(
            parse("start_paused = true", Kind::Test)
                .unwrap()
                .start_paused
        );
        assert!(
            !parse("start_paused = false", Kind::Test)
                .unwrap()
                .start_paused
        );
        assert!(!parse("", Kind::Test).unwrap().start_paused);
        let e = parse_err(
            r#"flavor = "multi_thread", start_paused = true"#,
            Kind::Test,
        );
        assert!(e.to_string().contains("current-thread"), "{e}");
        let e = parse_err("start_paused = 1", Kind::Test);
        assert!(e.to_string().contains("takes a bool"), "{e}");
        // A multi-thread runtime with the clock running is fine.
        assert!(parse(
            r#"flavor = "multi_thread", start_paused = false"#,
            Kind::Main
        )
        .is_ok());
    }

    #[test]
    fn all_options_parse() {
        let src = r#"flavor = "multi_thread", worker_threads = 4, crate = "my::rt","#;
        let config = parse(src, Kind::Test).unwrap();
        assert_eq!(config.flavor, Flavor::MultiThread);
        let (n, span) = config.worker_threads.unwrap();
        assert_eq!(n, 4);
        assert_eq!(span.start().column, src.find('4').unwrap());
        assert_eq!(config.krate.to_token_stream().to_string(), "my :: rt");
        let config = parse(r#"flavor = "current_thread""#, Kind::Main).unwrap();
        assert_eq!(config.flavor, Flavor::CurrentThread);
    }

    #[test]
    fn wait_threads_is_a_main_only_bool() {
        assert!(parse("", Kind::Main).unwrap().wait_threads);
        assert!(!parse("", Kind::Test).unwrap().wait_threads);
        assert!(
            !parse("wait_threads = false", Kind::Main)
                .unwrap()
                .wait_threads
        );
        assert!(
            parse("wait_threads = true", Kind::Main)
                .unwrap()
                .wait_threads
        );
        let bool_msg = "`wait_threads` takes a bool, such as `wait_threads = false`";
        assert_errors(r#"wait_threads = "no""#, Kind::Main, &[(bool_msg, "\"no")]);
        let test_msg =
            "`wait_threads` applies to `#[myrt::main]` only; a test does not wait for its threads";
        assert_errors("wait_threads = false", Kind::Test, &[(test_msg, "false")]);
    }

    #[test]
    fn unknown_option_points_at_its_name() {
        let msg = "unknown option `flavour`; expected one of `flavor`, `worker_threads`, `wait_threads`, `start_paused`, `crate`";
        assert_errors(
            r#"flavour = "current_thread""#,
            Kind::Main,
            &[(msg, "flavour")],
        );
    }

    #[test]
    fn bad_values_point_at_the_value() {
        let flavor = "unknown flavor `single`; expected \"multi_thread\" or \"current_thread\"";
        assert_errors(r#"flavor = "single""#, Kind::Main, &[(flavor, "\"single")]);
        let flavor_str = "`flavor` takes a string, such as `flavor = \"current_thread\"`";
        assert_errors("flavor = 3", Kind::Main, &[(flavor_str, "3")]);
        let zero = "`worker_threads` must be at least 1";
        assert_errors("worker_threads = 0", Kind::Main, &[(zero, "0")]);
        let int = "`worker_threads` takes a positive integer, such as `worker_threads = 4`";
        assert_errors(r#"worker_threads = "4""#, Kind::Main, &[(int, "\"4")]);
        assert_errors("worker_threads = 2.5", Kind::Main, &[(int, "2.5")]);
        assert_errors("worker_threads = -1", Kind::Main, &[(int, "-")]);
        let path = "`crate` must be a path, such as \"myrt\"; found \"not a path\"";
        assert_errors(r#"crate = "not a path""#, Kind::Main, &[(path, "\"not")]);
    }

    #[test]
    fn duplicates_and_conflicts() {
        let dup = "duplicate option `flavor`";
        let src = r#"flavor = "multi_thread", worker_threads = 2, flavor = "multi_thread""#;
        let col = src.rfind("flavor").unwrap();
        let err = parse_err(src, Kind::Main);
        assert_eq!(
            (err.to_string(), err.span().start().column),
            (dup.to_string(), col)
        );

        let conflict = "`worker_threads` needs the multi-thread runtime; \
                        add `flavor = \"multi_thread\"` or remove it";
        let src = r#"flavor = "current_thread", worker_threads = 2"#;
        assert_errors(src, Kind::Main, &[(conflict, "worker_threads")]);
        // `#[myrt::test]` defaults to current_thread, so it needs the flavor too.
        assert_errors(
            "worker_threads = 2",
            Kind::Test,
            &[(conflict, "worker_threads")],
        );
        let src = r#"worker_threads = 2, flavor = "multi_thread""#;
        assert_eq!(parse(src, Kind::Test).unwrap().worker_threads.unwrap().0, 2);
    }

    #[test]
    fn every_bad_option_is_reported() {
        let src = r#"flavor = "x", threads = 1, worker_threads = 0"#;
        assert_errors(
            src,
            Kind::Main,
            &[
                (
                    "unknown flavor `x`; expected \"multi_thread\" or \"current_thread\"",
                    "\"x",
                ),
                (
                    "unknown option `threads`; expected one of `flavor`, `worker_threads`, `wait_threads`, `start_paused`, `crate`",
                    "threads",
                ),
                ("`worker_threads` must be at least 1", "0"),
            ],
        );
    }

    #[test]
    fn malformed_arguments_are_errors() {
        let not_option =
            "expected an option, one of `flavor`, `worker_threads`, `wait_threads`, `start_paused`, `crate`";
        assert_errors("4", Kind::Main, &[(not_option, "4")]);
        assert_eq!(parse_err("flavor", Kind::Main).to_string(), "expected `=`");
        let err = parse_err(r#"flavor = "multi_thread" crate = "x""#, Kind::Main);
        assert_eq!(err.to_string(), "expected `,`");
    }
}
