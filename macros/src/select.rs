//! `select!`, `join!` and `try_join!`: the expansions behind the
//! `macro_rules!` wrappers in the `myrt` crate, which pass `$crate` first.
//!
//! Every future is pinned on the stack with `core::pin::pin!` and polled
//! from one `core::future::poll_fn`, so the expansions contain no `unsafe`
//! and allocate nothing. Handlers run after the `poll_fn` has returned, so
//! `return`, `break`, `continue` and `?` inside them act on the caller's
//! code, as in a `match`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::visit_mut::VisitMut;
use syn::{Block, Error, Expr, ExprBlock, Pat, Path, Token};

/// The most branches one `select!` takes (one bit each in a `u64` mask).
const MAX_BRANCHES: usize = 64;

/// `$crate;` at the front of every invocation, written by the wrappers.
fn parse_crate(input: ParseStream<'_>) -> syn::Result<Path> {
    let krate = Path::parse_mod_style(input)?;
    input.parse::<Token![;]>()?;
    Ok(krate)
}

/// A handler: a block (no comma needed after it) or an expression
/// followed by a comma unless it is the last branch.
fn parse_handler(input: ParseStream<'_>) -> syn::Result<Expr> {
    if input.peek(syn::token::Brace) {
        let block: Block = input.parse()?;
        let _ = input.parse::<Option<Token![,]>>()?;
        return Ok(Expr::Block(ExprBlock {
            attrs: Vec::new(),
            label: None,
            block,
        }));
    }
    let e: Expr = input.parse()?;
    if !input.is_empty() {
        input.parse::<Token![,]>().map_err(|err| {
            Error::new(
                err.span(),
                "expected `,` after this branch's handler (or wrap it in `{ }`)",
            )
        })?;
    }
    Ok(e)
}

struct Branch {
    pat: Pat,
    fut: Expr,
    cond: Option<Expr>,
    handler: Expr,
}

struct Select {
    krate: Path,
    biased: bool,
    branches: Vec<Branch>,
    otherwise: Option<Expr>,
}

impl Parse for Select {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let krate = parse_crate(input)?;
        let mut biased = false;
        if input.peek(syn::Ident) && input.peek2(Token![;]) {
            let id: syn::Ident = input.parse()?;
            if id != "biased" {
                return Err(Error::new(id.span(), "expected `biased;` or a branch"));
            }
            input.parse::<Token![;]>()?;
            biased = true;
        }
        let mut branches = Vec::new();
        let mut otherwise = None;
        while !input.is_empty() {
            if input.peek(Token![else]) {
                let kw: Token![else] = input.parse()?;
                input.parse::<Token![=>]>()?;
                let h = parse_handler(input)?;
                if otherwise.is_some() {
                    return Err(Error::new(kw.span, "`select!` takes one `else` branch"));
                }
                otherwise = Some(h);
                continue;
            }
            let pat = Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<Token![=]>()?;
            let fut: Expr = input.parse()?;
            let cond = if input.peek(Token![,]) && input.peek2(Token![if]) {
                input.parse::<Token![,]>()?;
                input.parse::<Token![if]>()?;
                Some(input.parse::<Expr>()?)
            } else {
                None
            };
            input.parse::<Token![=>]>()?;
            let handler = parse_handler(input)?;
            branches.push(Branch {
                pat,
                fut,
                cond,
                handler,
            });
        }
        if branches.is_empty() {
            return Err(Error::new(
                Span::call_site(),
                "`select!` needs at least one `pattern = future => handler` branch",
            ));
        }
        if branches.len() > MAX_BRANCHES {
            return Err(Error::new(
                Span::call_site(),
                format!("`select!` takes at most {MAX_BRANCHES} branches"),
            ));
        }
        Ok(Select {
            krate,
            biased,
            branches,
            otherwise,
        })
    }
}

/// Strips `mut` and `ref` from bindings, so the pattern can be tested
/// against a reference to the output (default binding modes) before the
/// output is moved into the real match.
struct CleanPattern;

impl VisitMut for CleanPattern {
    fn visit_pat_ident_mut(&mut self, i: &mut syn::PatIdent) {
        i.mutability = None;
        i.by_ref = None;
        syn::visit_mut::visit_pat_ident_mut(self, i);
    }
}

pub(crate) fn select_impl(input: TokenStream) -> TokenStream {
    let s: Select = match syn::parse2(input) {
        Ok(s) => s,
        Err(e) => return e.to_compile_error(),
    };
    let krate = &s.krate;
    let n = s.branches.len();
    let site = Span::mixed_site();
    let out_ty = format_ident!("__MyrtSelectOut", span = site);
    let disabled = format_ident!("__myrt_disabled", span = site);
    let cx = format_ident!("__myrt_cx", span = site);
    let pending = format_ident!("__myrt_pending", span = site);
    let value = format_ident!("__myrt_value", span = site);
    let futs: Vec<_> = (0..n)
        .map(|i| format_ident!("__myrt_fut{}", i, span = site))
        .collect();
    let vars: Vec<_> = (0..n)
        .map(|i| format_ident!("_{}", i, span = site))
        .collect();
    let tys: Vec<_> = (0..n)
        .map(|i| format_ident!("__T{}", i, span = site))
        .collect();

    let pins = s.branches.iter().zip(&futs).map(|(b, f)| {
        let e = &b.fut;
        quote_spanned! {site=>
            let mut #f = ::core::pin::pin!(::core::future::IntoFuture::into_future(#e));
        }
    });
    let conds = s.branches.iter().enumerate().filter_map(|(i, b)| {
        b.cond.as_ref().map(|c| {
            quote_spanned! {site=>
                if !(#c) { #disabled |= 1u64 << #i; }
            }
        })
    });
    let arms = s.branches.iter().enumerate().map(|(i, b)| {
        let f = &futs[i];
        let v = &vars[i];
        let mut clean = b.pat.clone();
        CleanPattern.visit_pat_mut(&mut clean);
        quote_spanned! {site=>
            #i => {
                if #disabled & (1u64 << #i) != 0 {
                    continue;
                }
                match ::core::future::Future::poll(#f.as_mut(), #cx) {
                    ::core::task::Poll::Ready(#value) => {
                        #disabled |= 1u64 << #i;
                        #[allow(unused_variables, unreachable_patterns, irrefutable_let_patterns)]
                        match &#value {
                            #clean => {}
                            _ => continue,
                        }
                        return ::core::task::Poll::Ready(#out_ty::#v(#value));
                    }
                    ::core::task::Poll::Pending => #pending = true,
                }
            }
        }
    });
    let handlers = s.branches.iter().enumerate().map(|(i, b)| {
        let v = &vars[i];
        let p = &b.pat;
        let h = &b.handler;
        quote! { #out_ty::#v(#p) => #h, }
    });
    let otherwise = match &s.otherwise {
        Some(h) => quote! { #h },
        None => quote_spanned! {site=>
            ::core::panic!("select!: every branch is disabled and there is no `else` branch")
        },
    };
    let start = if s.biased {
        quote_spanned! {site=> 0usize }
    } else {
        quote_spanned! {site=> #krate::__private::select_start(#n) }
    };
    quote_spanned! {site=>
        {
            #[allow(non_camel_case_types, clippy::large_enum_variant)]
            enum #out_ty<#(#tys),*> {
                #(#vars(#tys),)*
                Disabled,
            }
            // The futures live in this inner block only: the losers are
            // dropped (and their borrows end) before the handler runs.
            let __myrt_out = {
            let mut #disabled: u64 = 0;
            #(#conds)*
            #(#pins)*
            ::core::future::poll_fn(|#cx: &mut ::core::task::Context<'_>| {
                let __myrt_start: usize = #start;
                let mut #pending = false;
                for __myrt_i in 0..#n {
                    let mut __myrt_branch = __myrt_start + __myrt_i;
                    if __myrt_branch >= #n {
                        __myrt_branch -= #n;
                    }
                    match __myrt_branch {
                        #(#arms)*
                        _ => ::core::unreachable!(),
                    }
                }
                if #pending {
                    ::core::task::Poll::Pending
                } else {
                    ::core::task::Poll::Ready(#out_ty::Disabled)
                }
            })
            .await
            };
            match __myrt_out {
                #(#handlers)*
                #out_ty::Disabled => #otherwise,
                // Outputs that fail their pattern never get here.
                #[allow(unreachable_patterns)]
                _ => ::core::unreachable!(),
            }
        }
    }
}

/// `$crate; fut, fut, ...` for `join!` and `try_join!`.
struct Futures {
    krate: Path,
    futs: Punctuated<Expr, Token![,]>,
}

impl Parse for Futures {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let krate = parse_crate(input)?;
        let futs = Punctuated::parse_terminated(input)?;
        Ok(Futures { krate, futs })
    }
}

pub(crate) fn join_impl(input: TokenStream, try_join: bool) -> TokenStream {
    let j: Futures = match syn::parse2(input) {
        Ok(j) => j,
        Err(e) => return e.to_compile_error(),
    };
    let _ = &j.krate;
    let site = Span::mixed_site();
    let n = j.futs.len();
    if n == 0 {
        return if try_join {
            quote_spanned! {site=> ::core::result::Result::<(), _>::Ok(()) }
        } else {
            quote_spanned! {site=> () }
        };
    }
    let cx = format_ident!("__myrt_cx", span = site);
    let done = format_ident!("__myrt_done", span = site);
    let futs: Vec<_> = (0..n)
        .map(|i| format_ident!("__myrt_fut{}", i, span = site))
        .collect();
    let outs: Vec<_> = (0..n)
        .map(|i| format_ident!("__myrt_out{}", i, span = site))
        .collect();
    let pins = j.futs.iter().zip(&futs).zip(&outs).map(|((e, f), o)| {
        quote_spanned! {site=>
            let mut #f = ::core::pin::pin!(::core::future::IntoFuture::into_future(#e));
            let mut #o = ::core::option::Option::None;
        }
    });
    let polls = futs.iter().zip(&outs).map(|(f, o)| {
        let ready = if try_join {
            quote_spanned! {site=>
                ::core::task::Poll::Ready(::core::result::Result::Ok(v)) => #o = ::core::option::Option::Some(v),
                ::core::task::Poll::Ready(::core::result::Result::Err(e)) => {
                    return ::core::task::Poll::Ready(::core::result::Result::Err(e));
                }
            }
        } else {
            quote_spanned! {site=>
                ::core::task::Poll::Ready(v) => #o = ::core::option::Option::Some(v),
            }
        };
        quote_spanned! {site=>
            if #o.is_none() {
                match ::core::future::Future::poll(#f.as_mut(), #cx) {
                    #ready
                    ::core::task::Poll::Pending => #done = false,
                }
            }
        }
    });
    let takes = outs.iter().map(|o| {
        quote_spanned! {site=>
            match #o.take() {
                ::core::option::Option::Some(v) => v,
                ::core::option::Option::None => ::core::unreachable!(),
            },
        }
    });
    let result = if try_join {
        quote_spanned! {site=> ::core::result::Result::Ok((#(#takes)*)) }
    } else {
        quote_spanned! {site=> (#(#takes)*) }
    };
    quote_spanned! {site=>
        {
            #(#pins)*
            ::core::future::poll_fn(|#cx: &mut ::core::task::Context<'_>| {
                let mut #done = true;
                #(#polls)*
                if #done {
                    ::core::task::Poll::Ready(#result)
                } else {
                    ::core::task::Poll::Pending
                }
            })
            .await
        }
    }
}
