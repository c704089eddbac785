//! Where a page may send a visitor after signing in (the `next` of the login form, the
//! page a language switch came from): only a path on this site.

use url::Url;

/// A stand-in origin for resolving a candidate path; any absolute URL would do.
const HERE: &str = "https://certcase.invalid/";

/// `next` when it is a path on this site, else `None` (the caller goes home).
///
/// Browsers forgive a great deal in a `Location`: they drop tabs and newlines, read a
/// backslash as a slash and `//host` as another site, so `/<TAB>/evil.example` leaves the
/// site. Only printable ASCII without a backslash is considered, it must start with a
/// single `/`, and it must still resolve to this site's origin when parsed as a URL. The
/// value is kept exactly as given: a header cannot be split by it.
pub fn local_path(next: &str) -> Option<&str> {
    let printable = next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if !printable || !next.starts_with('/') || next.starts_with("//") {
        return None;
    }
    let base = Url::parse(HERE).ok()?;
    let resolved = base.join(next).ok()?;
    (resolved.origin() == base.origin()).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn site_paths_are_kept_as_given() {
        for ok in [
            "/",
            "/applications/0190c1a2-5b1d-7c00-8000-000000000001/assessment",
            "/rounds?page=2#top",
            "/a/%2F%2Fevil.example",
        ] {
            assert_eq!(local_path(ok), Some(ok));
        }
    }

    #[test]
    fn anything_that_could_leave_the_site_goes_home() {
        for bad in [
            "",
            "evil.example",
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "\t//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/a\r\nSet-Cookie: x=1",
            " /",
            "/ /evil.example",
            "/\u{7f}",
            "/应用",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }

    proptest! {
        /// Whatever is accepted stays on this site when a browser resolves it, even after
        /// it drops the characters browsers ignore in URLs.
        #[test]
        fn accepted_paths_resolve_to_this_site(next in "[ -~\t\r\n\\\\]{0,24}|/[/\\\\\t]{0,3}[a-z.:]{0,12}") {
            if let Some(kept) = local_path(&next) {
                let base = Url::parse(HERE).unwrap();
                let lenient: String = kept.chars().filter(|c| !matches!(c, '\t' | '\r' | '\n')).collect();
                let resolved = base.join(&lenient.replace('\\', "/")).unwrap();
                prop_assert_eq!(resolved.origin(), base.origin());
                prop_assert!(kept.starts_with('/') && !kept.starts_with("//"));
                prop_assert!(kept.bytes().all(|b| b.is_ascii_graphic()));
            }
        }
    }
}
