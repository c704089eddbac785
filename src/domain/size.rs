//! Sizes as people read them: every limit and size in a refusal is written by
//! [`binary`], in binary units (KiB, MiB, GiB), the units the configuration counts in.

const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];

/// `bytes` in the largest binary unit it fills at least once, with at most one decimal,
/// rounded down so a limit is never shown larger than it is: `1 GiB`, `1.5 MiB`,
/// `200 MiB`, `512 bytes`.
pub fn binary(bytes: u64) -> String {
    for (name, unit) in UNITS {
        if bytes >= unit {
            let whole = bytes / unit;
            let tenth = (bytes % unit) * 10 / unit;
            return if tenth == 0 {
                format!("{whole} {name}")
            } else {
                format!("{whole}.{tenth} {name}")
            };
        }
    }
    match bytes {
        1 => "1 byte".to_string(),
        n => format!("{n} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn configured_limits_read_in_the_units_they_were_set_in() {
        assert_eq!(binary(1024 * 1024 * 1024), "1 GiB", "1024 MiB, not 1073 MB");
        assert_eq!(binary(200 * 1024 * 1024), "200 MiB");
        assert_eq!(binary(5 << 20), "5 MiB");
        assert_eq!(binary(1536 * 1024), "1.5 MiB");
        assert_eq!(binary(256 << 10), "256 KiB");
        assert_eq!(binary(2048 * 1024 * 1024), "2 GiB");
        assert_eq!(binary(1000), "1000 bytes");
        assert_eq!(binary(1), "1 byte");
        assert_eq!(binary(0), "0 bytes");
    }

    #[test]
    fn a_size_just_under_a_limit_is_not_shown_as_the_limit() {
        assert_eq!(binary((2 << 20) - 1), "1.9 MiB");
        assert_eq!(binary((1 << 30) - 1), "1023.9 MiB");
    }

    proptest! {
        #[test]
        fn the_shown_number_never_exceeds_the_size(bytes in 0u64..u64::MAX / 16) {
            let shown = binary(bytes);
            let (number, unit) = shown.split_once(' ').unwrap();
            let factor = match unit {
                "GiB" => 1u64 << 30,
                "MiB" => 1 << 20,
                "KiB" => 1 << 10,
                _ => 1,
            };
            let number: f64 = number.parse().unwrap();
            prop_assert!(number * factor as f64 <= bytes as f64 + 0.5);
            prop_assert!(number >= 1.0 || bytes == 0);
        }
    }
}
