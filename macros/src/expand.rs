//! Checking the user's function and writing the expansion.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use syn::{Error, ItemFn};

use crate::config::{parse_config, Config, Flavor, Kind};

/// `#[myrt::main]` over token streams; see the crate docs for the contract.
pub(crate) fn main_impl(attr: TokenStream, item: TokenStream) -> TokenStream {
    entry(attr, item, Kind::Main)
}

/// `#[myrt::test]` over token streams; see the crate docs for the contract.
pub(crate) fn test_impl(attr: TokenStream, item: TokenStream) -> TokenStream {
    entry(attr, item, Kind::Test)
}

/// Expands the function even when something is wrong (with default options
/// if the options are bad), so rust-analyzer and later errors stay sane; the
/// problems come out as `compile_error!`s spanned on the mistakes.
fn entry(attr: TokenStream, item: TokenStream, kind: Kind) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let name = match kind {
                Kind::Main => "main",
                Kind::Test => "test",
            };
            let msg = format!("`#[myrt::{name}]` can only be applied to an `async fn`");
            let error = Error::new_spanned(&item, msg).to_compile_error();
            return quote! { #error #item };
        }
    };
    let mut errors = Vec::new();
    let config = parse_config(attr, kind).unwrap_or_else(|e| {
        errors.push(e);
        Config::default_for(kind)
    });
    errors.extend(check_signature(&func, kind));
    let errors = errors.iter().map(Error::to_compile_error);
    let expanded = expand(func, &config, kind);
    quote! { #(#errors)* #expanded }
}

/// Everything wrong with the function itself, each error on the culprit.
pub(crate) fn check_signature(func: &ItemFn, kind: Kind) -> Vec<Error> {
    let sig = &func.sig;
    let mut errors = Vec::new();
    if sig.asyncness.is_none() {
        let msg = "the `async` keyword is missing from the function declaration";
        errors.push(Error::new(sig.fn_token.span, msg));
    }
    match kind {
        Kind::Main => {
            if !sig.generics.params.is_empty() {
                let msg = "the `main` function cannot have generic parameters";
                errors.push(Error::new_spanned(&sig.generics.params, msg));
            }
            if !sig.inputs.is_empty() {
                let msg = "the `main` function cannot accept arguments";
                errors.push(Error::new_spanned(&sig.inputs, msg));
            }
        }
        Kind::Test => {
            if !sig.inputs.is_empty() {
                let msg = "test functions cannot accept arguments";
                errors.push(Error::new_spanned(&sig.inputs, msg));
            }
            for attr in func.attrs.iter().filter(|a| a.path().is_ident("test")) {
                let msg = "`#[myrt::test]` already makes this a test; remove this `#[test]`";
                errors.push(Error::new_spanned(attr, msg));
            }
        }
    }
    errors
}

/// The sync function that builds a runtime and blocks on the user's body.
pub(crate) fn expand(func: ItemFn, config: &Config, kind: Kind) -> TokenStream {
    let ItemFn {
        mut attrs,
        vis,
        mut sig,
        block,
    } = func;
    sig.asyncness = None;
    let krate = &config.krate;
    let builder = match config.flavor {
        Flavor::MultiThread => quote! { #krate::runtime::Builder::new_multi_thread() },
        Flavor::CurrentThread => quote! { #krate::runtime::Builder::new_current_thread() },
    };
    let workers = config.worker_threads.map(|(n, span)| {
        let mut n = Literal::usize_unsuffixed(n);
        n.set_span(span);
        quote! { .worker_threads(#n) }
    });
    let workers = match config.start_paused {
        true => quote! { #workers .start_paused(true) },
        false => quote! { #workers },
    };
    let test_attr = (kind == Kind::Test).then(|| {
        // A duplicate `#[test]` was reported; drop it so rustc adds no noise.
        attrs.retain(|a| !a.path().is_ident("test"));
        quote! { #[::core::prelude::v1::test] }
    });
    // A worker process re-executing this binary serves there and exits.
    let bootstrap = match kind {
        Kind::Main => quote! { #krate::process::bootstrap(); },
        Kind::Test => {
            let name = &sig.ident;
            quote! {
                #krate::process::__bootstrap_test(::core::module_path!(), ::core::stringify!(#name));
            }
        }
    };
    if !config.wait_threads {
        return quote! {
            #test_attr
            #(#attrs)*
            #vis #sig {
                #bootstrap
                let body = async move #block;
                #builder
                    #workers
                    .build()
                    .expect("failed to build the myrt runtime")
                    .block_on(body)
            }
        };
    }
    // Python's interpreter exit: wait for the non-daemon processes (inside
    // `block_on`: their exit is seen by the runtime) and threads, with the
    // runtime still up for them, then drop it.
    quote! {
        #test_attr
        #(#attrs)*
        #vis #sig {
            #bootstrap
            let body = async move #block;
            let runtime = #builder
                #workers
                .build()
                .expect("failed to build the myrt runtime");
            let output = runtime.block_on(#krate::multiprocessing::__join_non_daemon_after(body));
            #krate::thread::join_non_daemon();
            output
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(kind: Kind, attr: &str, item: &str) -> String {
        let (attr, item) = (attr.parse().unwrap(), item.parse().unwrap());
        match kind {
            Kind::Main => main_impl(attr, item),
            Kind::Test => test_impl(attr, item),
        }
        .to_string()
    }

    fn sig_errors(kind: Kind, src: &str) -> Vec<(String, usize)> {
        let func = syn::parse_str::<ItemFn>(src).unwrap();
        let errors = check_signature(&func, kind);
        errors
            .iter()
            .map(|e| (e.to_string(), e.span().start().column))
            .collect()
    }

    #[test]
    fn main_expansion_is_exact() {
        let got = expand_str(Kind::Main, "", "#[inline] pub async fn main() -> u8 { 7 }");
        let want = quote! {
            #[inline]
            pub fn main() -> u8 {
                ::myrt::process::bootstrap();
                let body = async move { 7 };
                let runtime = ::myrt::runtime::Builder::new_multi_thread()
                    .build()
                    .expect("failed to build the myrt runtime");
                let output = runtime.block_on(::myrt::multiprocessing::__join_non_daemon_after(body));
                ::myrt::thread::join_non_daemon();
                output
            }
        };
        assert_eq!(got, want.to_string());
    }

    #[test]
    fn main_without_waiting_for_threads_is_exact() {
        let got = expand_str(Kind::Main, "wait_threads = false", "async fn main() {}");
        let want = quote! {
            fn main() {
                ::myrt::process::bootstrap();
                let body = async move {};
                ::myrt::runtime::Builder::new_multi_thread()
                    .build()
                    .expect("failed to build the myrt runtime")
                    .block_on(body)
            }
        };
        assert_eq!(got, want.to_string());
        let got = expand_str(Kind::Main, r#"crate = "rt""#, "async fn main() {}");
        assert!(
            got.contains("rt :: thread :: join_non_daemon () ;"),
            "{got}"
        );
        let got = expand_str(Kind::Test, "", "async fn t() {}");
        assert!(!got.contains("join_non_daemon"), "{got}");
    }

    #[test]
    fn test_expansion_is_exact() {
        let item = "#[should_panic] async fn it_works() { assert!(false) }";
        let got = expand_str(Kind::Test, "", item);
        let want = quote! {
            #[::core::prelude::v1::test]
            #[should_panic]
            fn it_works() {
                ::myrt::process::__bootstrap_test(::core::module_path!(), ::core::stringify!(it_works));
                let body = async move { assert!(false) };
                ::myrt::runtime::Builder::new_current_thread()
                    .build()
                    .expect("failed to build the myrt runtime")
                    .block_on(body)
            }
        };
        assert_eq!(got, want.to_string());
    }

    #[test]
    fn options_shape_the_builder() {
        let got = expand_str(
            Kind::Test,
            r#"flavor = "multi_thread", worker_threads = 4"#,
            "async fn t() {}",
        );
        assert!(got.contains(":: myrt :: runtime :: Builder :: new_multi_thread () . worker_threads (4) . build ()"), "{got}");
        let got = expand_str(
            Kind::Main,
            r#"flavor = "current_thread""#,
            "async fn main() {}",
        );
        assert!(
            got.contains("Builder :: new_current_thread () . build ()"),
            "{got}"
        );
        assert!(!got.contains("worker_threads"), "{got}");
        let got = expand_str(Kind::Main, r#"crate = "rt""#, "async fn main() {}");
        assert!(
            got.contains("{ } ; let runtime = rt :: runtime :: Builder :: new_multi_thread ()"),
            "{got}"
        );
    }

    #[test]
    fn errors_still_emit_the_function() {
        // Bad options: default configuration plus the error.
        let got = expand_str(Kind::Main, "flavour = 1", "async fn main() { run() }");
        assert!(
            got.starts_with(":: core :: compile_error ! { \"unknown option `flavour`"),
            "{got}"
        );
        assert!(got.ends_with("fn main () { :: myrt :: process :: bootstrap () ; let body = async move { run () } ; let runtime = :: myrt :: runtime :: Builder :: new_multi_thread () . build () . expect (\"failed to build the myrt runtime\") ; let output = runtime . block_on (:: myrt :: multiprocessing :: __join_non_daemon_after (body)) ; :: myrt :: thread :: join_non_daemon () ; output }"), "{got}");
        // A sync fn: the error, and the function wrapped all the same.
        let got = expand_str(Kind::Test, "", "fn t() {}");
        assert!(
            got.starts_with(":: core :: compile_error ! { \"the `async` keyword is missing"),
            "{got}"
        );
        assert!(
            got.contains(
                "# [:: core :: prelude :: v1 :: test] fn t () { :: myrt :: process :: __bootstrap_test (:: core :: module_path ! () , :: core :: stringify ! (t)) ; let body = async move { }"
            ),
            "{got}"
        );
        // Not a function at all: the error and the item untouched.
        let got = expand_str(Kind::Main, "", "struct S;");
        assert_eq!(got, ":: core :: compile_error ! { \"`#[myrt::main]` can only be applied to an `async fn`\" } struct S ;");
    }

    #[test]
    fn missing_async_points_at_fn() {
        let msg = "the `async` keyword is missing from the function declaration".to_string();
        assert_eq!(
            sig_errors(Kind::Main, "pub fn main() {}"),
            [(msg.clone(), 4)]
        );
        assert_eq!(sig_errors(Kind::Test, "#[ignore] fn t() {}"), [(msg, 10)]);
        assert!(sig_errors(Kind::Main, "async fn main() {}").is_empty());
    }

    #[test]
    fn main_rejects_arguments_and_generics() {
        let src = "async fn main<T: Send>(a: u8, b: T) {}";
        assert_eq!(
            sig_errors(Kind::Main, src),
            [
                (
                    "the `main` function cannot have generic parameters".to_string(),
                    src.find("T:").unwrap()
                ),
                (
                    "the `main` function cannot accept arguments".to_string(),
                    src.find("a:").unwrap()
                ),
            ]
        );
    }

    #[test]
    fn test_rejects_arguments_and_a_second_test_attribute() {
        let src = "#[test] async fn t(x: u8) {}";
        assert_eq!(
            sig_errors(Kind::Test, src),
            [
                (
                    "test functions cannot accept arguments".to_string(),
                    src.find("x:").unwrap()
                ),
                (
                    "`#[myrt::test]` already makes this a test; remove this `#[test]`".to_string(),
                    0
                ),
            ]
        );
        let got = expand_str(Kind::Test, "", src);
        assert!(!got.contains("# [test]"), "{got}");
        assert!(
            got.contains("# [:: core :: prelude :: v1 :: test] fn t"),
            "{got}"
        );
    }
}
