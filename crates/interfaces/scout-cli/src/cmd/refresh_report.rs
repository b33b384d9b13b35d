//! The lines `scout refresh` and `scout ingest` print about how the refresh ran (a leaf both
//! import).

use scout_corpus::RefreshReport;

/// The incremental refresh's line, when one ran, or why the refresh was full.
pub fn print_incremental(refresh: &RefreshReport) {
    match (&refresh.incremental, &refresh.plan) {
        (Some(inc), _) => {
            let id = &inc.identity;
            println!(
                "identity (incremental): {} new works, {} mentions → {} researchers grown, {} new, {} merged \
                 ({} stored researchers weighed, {} works read) in {:.2} s",
                id.new_works,
                id.new_mentions,
                id.grown,
                id.new_researchers,
                id.merged,
                id.candidates,
                id.works_loaded,
                inc.seconds
            );
            if inc.metadata_changed_works > 0 {
                println!(
                    "  and {} works changed in their metadata alone (citations, abstract, …): \
                     their researchers' facts recomputed",
                    inc.metadata_changed_works
                );
            }
        }
        (None, Some(scout_corpus::incremental::Plan::Full(why))) => {
            println!("refresh: full ({why})");
        }
        _ => {}
    }
}
