//! `#[myrt::process_fn]`: registers a function so worker processes can run
//! it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::parse::Parser;
use syn::{Error, FnArg, ItemFn, Lit, Path, ReturnType, Token, Type};

/// The expansion, or the errors (each on its culprit) beside the untouched
/// function, so the rest of the crate still type-checks.
pub(crate) fn process_fn_impl(attr: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let e = Error::new_spanned(
                &item,
                "`#[myrt::process_fn]` can only be applied to a free `fn`",
            );
            let e = e.to_compile_error();
            return quote! { #e #item };
        }
    };
    let krate = match parse_crate(attr) {
        Ok(k) => k,
        Err(e) => {
            let e = e.to_compile_error();
            return quote! { #e #func };
        }
    };
    let mut errors = Vec::new();
    let sig = &func.sig;
    if let Some(a) = &sig.asyncness {
        errors.push(Error::new_spanned(
            a,
            "a process function cannot be `async`: it runs to completion in the worker",
        ));
    }
    if !sig.generics.params.is_empty() {
        errors.push(Error::new_spanned(
            &sig.generics.params,
            "a process function cannot be generic: the worker finds it by name",
        ));
    }
    if let Some(v) = &sig.variadic {
        errors.push(Error::new_spanned(
            v,
            "a process function cannot be variadic",
        ));
    }
    let mut tys: Vec<&Type> = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => errors.push(Error::new_spanned(
                r,
                "a process function cannot take `self`: make it a free function",
            )),
            FnArg::Typed(t) => {
                if let Type::ImplTrait(_) = &*t.ty {
                    errors.push(Error::new_spanned(
                        &t.ty,
                        "a process function cannot take `impl Trait`: name the type",
                    ));
                }
                tys.push(&t.ty);
            }
        }
    }
    if tys.len() > 6 {
        errors.push(Error::new_spanned(
            &sig.inputs,
            "a process function takes at most 6 arguments; pass a struct or tuple",
        ));
    }
    if !errors.is_empty() {
        let errors = errors.iter().map(Error::to_compile_error);
        return quote! { #(#errors)* #func };
    }
    let name = &sig.ident;
    let ret = match &sig.output {
        ReturnType::Default => quote! { () },
        ReturnType::Type(_, t) => quote! { #t },
    };
    let args = quote! { (#(#tys,)*) };
    let shim = format_ident!("__myrt_process_shim_{}", name);
    let p = quote! { #krate::multiprocessing::__private };
    quote! {
        #func

        const _: () = {
            fn #shim(
                input: &[u8],
                out: &mut ::std::vec::Vec<u8>,
            ) -> ::core::result::Result<(), ::std::string::String> {
                #p::run_batch::<#args, _>(#name, input, out)
            }

            static ENTRY: #p::Entry = #p::Entry::new::<#args, #ret>(
                // The fn item's type name: its path, enclosing functions
                // included, so two nested `fn work`s of one module differ.
                || ::core::any::type_name_of_val(&#name),
                #p::signature_hash(::core::stringify!(#args -> #ret)),
                || #p::type_id_of_val(&#name),
                #shim,
            );

            #[cfg(target_os = "linux")]
            #[used]
            #[allow(unsafe_code)]
            // Run by the loader before `main`, in the parent and in every
            // worker; the function only pushes to a mutex-guarded list.
            #[unsafe(link_section = ".init_array")]
            static REGISTER: extern "C" fn() = {
                extern "C" fn register() {
                    #p::register(&ENTRY);
                }
                register
            };
        };
    }
}

fn parse_crate(attr: TokenStream) -> syn::Result<Path> {
    let default: Path = syn::parse_quote!(::myrt);
    if attr.is_empty() {
        return Ok(default);
    }
    let parser = |input: syn::parse::ParseStream<'_>| {
        let key = input.call(<syn::Ident as syn::ext::IdentExt>::parse_any)?;
        if key != "crate" {
            return Err(Error::new(
                key.span(),
                format!("unknown option `{key}`; expected `crate`"),
            ));
        }
        input.parse::<Token![=]>()?;
        let lit: Lit = input.parse()?;
        let Lit::Str(s) = lit else {
            return Err(Error::new(
                lit.span(),
                "`crate` must be a string, such as \"myrt\"",
            ));
        };
        s.parse::<Path>()
            .map_err(|_| Error::new(s.span(), "`crate` must be a path, such as \"myrt\""))
    };
    parser.parse2(attr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(attr: &str, item: &str) -> String {
        process_fn_impl(attr.parse().unwrap(), item.parse().unwrap()).to_string()
    }

    #[test]
    fn registers_name_signature_and_shim() {
        let got = expand("", "pub fn crunch(x: u64, s: String) -> Vec<u8> { vec![] }");
        assert!(got.starts_with("pub fn crunch"), "{got}");
        assert!(
            got.contains("run_batch :: < (u64 , String ,) , _ > (crunch , input , out)"),
            "{got}"
        );
        assert!(
            got.contains(
                "signature_hash (:: core :: stringify ! ((u64 , String ,) -> Vec < u8 >))"
            ),
            "{got}"
        );
        assert!(
            got.contains("# [unsafe (link_section = \".init_array\")]"),
            "{got}"
        );
        let unit = expand(r#"crate = "rt""#, "fn ping() {}");
        assert!(
            unit.contains("rt :: multiprocessing :: __private :: run_batch :: < () , _ >"),
            "{unit}"
        );
        assert!(unit.contains("(() -> ())"), "{unit}");
    }

    #[test]
    fn refuses_what_cannot_cross_a_process() {
        for (src, msg) in [
            ("async fn f() {}", "cannot be `async`"),
            ("fn f<T>(t: T) {}", "cannot be generic"),
            ("fn f(x: impl Copy) {}", "cannot take `impl Trait`"),
            (
                "fn f(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8) {}",
                "at most 6",
            ),
            ("struct S;", "can only be applied to a free `fn`"),
        ] {
            let got = expand("", src);
            assert!(got.contains("compile_error"), "{src}: {got}");
            assert!(got.contains(msg), "{src}: {got}");
        }
        let got = expand("krate = \"x\"", "fn f() {}");
        assert!(got.contains("unknown option `krate`"), "{got}");
    }
}
