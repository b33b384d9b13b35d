//! Offer terms and their total value over the vesting period.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The components of one offer revision. Amounts are whole units of `currency`.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct OfferTerms {
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
    /// Annual base salary.
    pub base: i64,
    /// Annual target bonus.
    #[serde(default)]
    pub bonus: i64,
    /// One-off sign-on payment.
    #[serde(default)]
    pub sign_on: i64,
    /// Equity grant value at grant, vesting over `vesting_months`.
    #[serde(default)]
    pub equity: i64,
    /// Vesting period of the equity grant in months (0 when there is no equity).
    #[serde(default)]
    pub vesting_months: i64,
    /// Cliff in months (nothing vests before it).
    #[serde(default)]
    pub cliff_months: i64,
}

impl OfferTerms {
    /// Checks the terms are meaningful: non-negative amounts, a 3-letter currency, a cliff
    /// within the vesting period, equity only with a vesting period.
    pub fn validate(&self) -> Result<()> {
        let c = &self.currency;
        if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Error::Invalid(format!(
                "currency must be a 3-letter ISO code like USD, got {c:?}"
            )));
        }
        for (name, v) in [
            ("base", self.base),
            ("bonus", self.bonus),
            ("sign_on", self.sign_on),
            ("equity", self.equity),
            ("vesting_months", self.vesting_months),
            ("cliff_months", self.cliff_months),
        ] {
            if v < 0 {
                return Err(Error::Invalid(format!("{name} must not be negative")));
            }
            if v > 1_000_000_000_000 {
                return Err(Error::Invalid(format!("{name} is implausibly large")));
            }
        }
        if self.vesting_months > 120 {
            return Err(Error::Invalid("vesting_months must be at most 120".into()));
        }
        if self.cliff_months > self.vesting_months {
            return Err(Error::Invalid(
                "cliff_months must not exceed vesting_months".into(),
            ));
        }
        if self.equity > 0 && self.vesting_months == 0 {
            return Err(Error::Invalid(
                "an equity grant needs vesting_months > 0".into(),
            ));
        }
        Ok(())
    }

    /// The period the value is computed over: the vesting period, at least 12 months.
    pub fn period_months(&self) -> i64 {
        self.vesting_months.max(12)
    }

    /// Total value over the period: (base + bonus) for each month of the period, plus the
    /// sign-on, plus the whole equity grant (it has fully vested by the end of the period).
    pub fn total_value(&self) -> i64 {
        let months = self.period_months();
        let cash = (self.base.saturating_add(self.bonus)).saturating_mul(months) / 12;
        cash.saturating_add(self.sign_on)
            .saturating_add(self.equity)
    }

    /// The total value spread per year of the period (comparable across vesting periods).
    pub fn annualised_value(&self) -> i64 {
        self.total_value().saturating_mul(12) / self.period_months()
    }

    /// Equity vested after `months` under a linear monthly schedule with a cliff.
    pub fn vested_equity_after(&self, months: i64) -> i64 {
        if self.vesting_months == 0 || months < self.cliff_months {
            return 0;
        }
        let m = months.min(self.vesting_months);
        self.equity.saturating_mul(m) / self.vesting_months
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> OfferTerms {
        OfferTerms {
            currency: "USD".into(),
            base: 300_000,
            bonus: 60_000,
            sign_on: 50_000,
            equity: 800_000,
            vesting_months: 48,
            cliff_months: 12,
        }
    }

    #[test]
    fn total_over_four_year_vesting() {
        let t = terms();
        // 4 × 360k + 50k + 800k
        assert_eq!(t.total_value(), 1_440_000 + 50_000 + 800_000);
        assert_eq!(t.annualised_value(), (1_440_000 + 50_000 + 800_000) / 4);
    }

    #[test]
    fn no_equity_counts_one_year() {
        let t = OfferTerms {
            equity: 0,
            vesting_months: 0,
            cliff_months: 0,
            ..terms()
        };
        assert_eq!(t.total_value(), 360_000 + 50_000);
        assert!(t.validate().is_ok());
    }

    #[test]
    fn vesting_has_a_cliff_then_is_linear() {
        let t = terms();
        assert_eq!(t.vested_equity_after(11), 0);
        assert_eq!(t.vested_equity_after(12), 200_000);
        assert_eq!(t.vested_equity_after(24), 400_000);
        assert_eq!(t.vested_equity_after(100), 800_000);
    }

    #[test]
    fn validation_names_the_problem() {
        let bad = [
            OfferTerms {
                currency: "usd".into(),
                ..terms()
            },
            OfferTerms {
                base: -1,
                ..terms()
            },
            OfferTerms {
                cliff_months: 60,
                ..terms()
            },
            OfferTerms {
                vesting_months: 0,
                cliff_months: 0,
                ..terms()
            },
        ];
        for t in bad {
            assert!(t.validate().is_err(), "{t:?}");
        }
        assert!(terms().validate().is_ok());
    }
}
