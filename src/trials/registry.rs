//! Trial registry ids: a notice names its trial by the id a public registry gave it, and only
//! the formats of the registries patients here meet are accepted:
//!
//! - ClinicalTrials.gov: `NCT` + 8 digits (`NCT06121297`);
//! - the Chinese Clinical Trial Registry: `ChiCTR` + 10 digits (`ChiCTR2300071234`), or the
//!   older `ChiCTR-XXX-NNNNNNNN` with a 2–5 letter type code (`ChiCTR-TRC-12002345`);
//! - the EU Clinical Trials Information System: `YYYY-NNNNNN-NN-NN` (`2023-503698-40-00`);
//! - EudraCT, its predecessor: `YYYY-NNNNNN-NN` (`2014-001234-56`).
//!
//! Letter case and surrounding spaces are forgiven and normalised (`nct06121297` is stored as
//! `NCT06121297`); anything else is refused with a message naming the expected formats.

crate::db::text_enum! {
    /// The registry an id belongs to.
    pub enum Registry {
        /// ClinicalTrials.gov (`NCT…`).
        ClinicalTrialsGov = "clinical_trials_gov",
        /// Chinese Clinical Trial Registry (`ChiCTR…`).
        Chictr = "chictr",
        /// EU Clinical Trials Information System (`YYYY-NNNNNN-NN-NN`).
        EuCt = "eu_ct",
        /// EudraCT (`YYYY-NNNNNN-NN`).
        Eudract = "eudract",
    }
}

/// A valid registry id, normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryId {
    pub registry: Registry,
    pub id: String,
}

/// What a refused id is told, after the specific reason.
const FORMATS: &str = "use an NCT number (NCT + 8 digits, e.g. NCT06121297), a ChiCTR number \
     (ChiCTR + 10 digits, e.g. ChiCTR2300071234, or the older form ChiCTR-TRC-12002345), an EU \
     CT number (e.g. 2023-503698-40-00) or a EudraCT number (e.g. 2014-001234-56)";

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn plausible_year(s: &str) -> bool {
    digits(s, 4) && s.starts_with("20")
}

/// Parses and normalises a registry id; the error is a sentence for the `registry_id` field.
pub fn parse(raw: &str) -> Result<RegistryId, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(format!("is required: {FORMATS}"));
    }
    let upper = trimmed.to_ascii_uppercase();
    if let Some(rest) = upper.strip_prefix("NCT") {
        return if digits(rest, 8) {
            Ok(RegistryId {
                registry: Registry::ClinicalTrialsGov,
                id: format!("NCT{rest}"),
            })
        } else {
            Err(format!(
                "`{trimmed}` is not a valid NCT number: it must be NCT followed by exactly 8 \
                 digits (e.g. NCT06121297)"
            ))
        };
    }
    if let Some(rest) = upper.strip_prefix("CHICTR") {
        if digits(rest, 10) {
            return Ok(RegistryId {
                registry: Registry::Chictr,
                id: format!("ChiCTR{rest}"),
            });
        }
        let parts: Vec<&str> = rest.split('-').collect();
        if let ["", code, number] = parts.as_slice()
            && (2..=5).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_uppercase())
            && digits(number, 8)
        {
            return Ok(RegistryId {
                registry: Registry::Chictr,
                id: format!("ChiCTR-{code}-{number}"),
            });
        }
        return Err(format!(
            "`{trimmed}` is not a valid ChiCTR number: it must be ChiCTR followed by 10 digits \
             (e.g. ChiCTR2300071234), or the older form ChiCTR-XXX-NNNNNNNN (e.g. \
             ChiCTR-TRC-12002345)"
        ));
    }
    let parts: Vec<&str> = trimmed.split('-').collect();
    match parts.as_slice() {
        [year, number, check, sequence]
            if plausible_year(year)
                && digits(number, 6)
                && digits(check, 2)
                && digits(sequence, 2) =>
        {
            Ok(RegistryId {
                registry: Registry::EuCt,
                id: trimmed.to_owned(),
            })
        }
        [year, number, check] if plausible_year(year) && digits(number, 6) && digits(check, 2) => {
            Ok(RegistryId {
                registry: Registry::Eudract,
                id: trimmed.to_owned(),
            })
        }
        [first, ..] if digits(first, 4) => Err(format!(
            "`{trimmed}` is not a valid EU CT number (YYYY-NNNNNN-NN-NN, e.g. 2023-503698-40-00) \
             or EudraCT number (YYYY-NNNNNN-NN, e.g. 2014-001234-56)"
        )),
        _ => Err(format!(
            "`{trimmed}` is not a registry id we know: {FORMATS}"
        )),
    }
}

/// The public page of a registry record, when the registry has stable addresses.
pub fn record_url(id: &RegistryId) -> Option<String> {
    match id.registry {
        Registry::ClinicalTrialsGov => Some(format!("https://clinicaltrials.gov/study/{}", id.id)),
        Registry::EuCt => Some(format!(
            "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={}",
            id.id
        )),
        Registry::Eudract => Some(format!(
            "https://www.clinicaltrialsregister.eu/ctr-search/search?query={}",
            id.id
        )),
        Registry::Chictr => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An id of one of the four formats, in any letter case, with spaces around it.
    fn written_id() -> impl Strategy<Value = (String, Registry)> {
        let nct = "[0-9]{8}".prop_map(|d| (format!("nct{d}"), Registry::ClinicalTrialsGov));
        let chictr = "[0-9]{10}".prop_map(|d| (format!("ChiCtr{d}"), Registry::Chictr));
        let old = ("[A-Z]{2,5}", "[0-9]{8}")
            .prop_map(|(c, d)| (format!("chictr-{c}-{d}"), Registry::Chictr));
        let euct = ("20[0-9]{2}", "[0-9]{6}", "[0-9]{2}", "[0-9]{2}")
            .prop_map(|(y, n, c, q)| (format!("{y}-{n}-{c}-{q}"), Registry::EuCt));
        let eudract = ("20[0-9]{2}", "[0-9]{6}", "[0-9]{2}")
            .prop_map(|(y, n, c)| (format!("{y}-{n}-{c}"), Registry::Eudract));
        (
            prop_oneof![nct, chictr, old, euct, eudract],
            " {0,3}",
            " {0,3}",
        )
            .prop_map(|((id, registry), before, after)| (format!("{before}{id}{after}"), registry))
    }

    proptest! {
        #[test]
        fn any_text_is_parsed_or_refused_with_a_message(raw in ".{0,40}") {
            match parse(&raw) {
                Ok(id) => prop_assert_eq!(parse(&id.id), Ok(id)),
                Err(message) => prop_assert!(!message.is_empty()),
            }
        }

        #[test]
        fn ids_of_every_format_parse_to_their_normal_form((raw, registry) in written_id()) {
            let id = parse(&raw).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(id.registry, registry);
            prop_assert_eq!(parse(&id.id), Ok(id.clone()), "normalising is idempotent");
            prop_assert!(!id.id.contains(' '));
        }
    }

    #[test]
    fn the_four_formats_are_accepted_and_normalised() {
        let ok = |raw: &str, registry: Registry, id: &str| {
            assert_eq!(
                parse(raw),
                Ok(RegistryId {
                    registry,
                    id: id.to_owned()
                }),
                "{raw}"
            );
        };
        ok("NCT06121297", Registry::ClinicalTrialsGov, "NCT06121297");
        ok(" nct05869955 ", Registry::ClinicalTrialsGov, "NCT05869955");
        ok("ChiCTR2300071234", Registry::Chictr, "ChiCTR2300071234");
        ok("chictr2300071234", Registry::Chictr, "ChiCTR2300071234");
        ok(
            "ChiCTR-TRC-12002345",
            Registry::Chictr,
            "ChiCTR-TRC-12002345",
        );
        ok(
            "ChiCTR-ONRC-13003600",
            Registry::Chictr,
            "ChiCTR-ONRC-13003600",
        );
        ok(
            "chictr-ior-15006140",
            Registry::Chictr,
            "ChiCTR-IOR-15006140",
        );
        ok("2023-503698-40-00", Registry::EuCt, "2023-503698-40-00");
        ok("2014-001234-56", Registry::Eudract, "2014-001234-56");
    }

    #[test]
    fn malformed_ids_are_refused_with_a_message_that_says_why() {
        for (raw, hint) in [
            ("", "is required"),
            ("NCT1234567", "exactly 8 digits"),
            ("NCT123456789", "exactly 8 digits"),
            ("NCT0612129X", "exactly 8 digits"),
            ("ChiCTR230007123", "ChiCTR followed by 10 digits"),
            ("ChiCTR-TRC-1200234", "ChiCTR-XXX-NNNNNNNN"),
            ("ChiCTR-T1C-12002345", "ChiCTR-XXX-NNNNNNNN"),
            ("ChiCTR-TOOLONG-12002345", "ChiCTR-XXX-NNNNNNNN"),
            ("2023-50369-40-00", "EU CT"),
            ("2023-503698-4-00", "EU CT"),
            ("1899-503698-40", "EudraCT"),
            ("2014-001234-56-7", "EudraCT"),
            ("ISRCTN12345678", "registry id we know"),
            ("lupus", "registry id we know"),
        ] {
            let message = parse(raw).expect_err(raw);
            assert!(message.contains(hint), "{raw}: {message}");
        }
    }

    #[test]
    fn record_pages_are_known_for_the_public_registries() {
        let nct = parse("NCT06121297").unwrap();
        assert_eq!(
            record_url(&nct).as_deref(),
            Some("https://clinicaltrials.gov/study/NCT06121297")
        );
        assert!(record_url(&parse("ChiCTR2300071234").unwrap()).is_none());
    }
}
