//! Pipelines.

use super::*;

pub fn cases(k: &mut Catalogue, rec: &Path) {
    let rec = rec.to_path_buf();
    // --------------------------------------------------------------- pipeline
    let sub = os_path("sub/p.bin");
    let pipeline_cases: Vec<(&str, &str, usize, nb_apply_fn, nb_status, Vec<&str>)> = vec![
        ("no steps", "p.bin", 0, Some(copy_batch as unsafe extern "C" fn(_, _, _, _) -> _), NB_STATUS_INVALID_ARGUMENT, vec!["step"]),
        ("a step with fn NULL", "p.bin", 1, None, NB_STATUS_NULL_ARGUMENT, vec!["fn"]),
        ("output_name with a slash", "sub/p.bin", 1, Some(copy_batch as unsafe extern "C" fn(_, _, _, _) -> _), NB_STATUS_BAD_OUTPUT_PATH, vec![sub.as_str()]),
        (
            "two steps with the same output_name",
            "same.bin",
            2,
            Some(copy_batch as unsafe extern "C" fn(_, _, _, _) -> _),
            NB_STATUS_BAD_OUTPUT_PATH,
            vec!["same.bin"],
        ),
    ];
    for (what, name, n_steps, f, expect, names) in pipeline_cases {
        let (p, dir) = (rec.clone(), k.dir.clone());
        k.add("nb_pipeline_run", what, expect, &names, move || run_pipeline(&p, &dir, name, n_steps, f));
    }
    {
        let (p, dir) = (rec.clone(), k.path("missing-out-dir"));
        k.add("nb_pipeline_run", "output_dir missing", NB_STATUS_BAD_OUTPUT_PATH, &["$DIR/missing-out-dir"], move || {
            run_pipeline(&p, &dir, "p.bin", 1, Some(copy_batch as unsafe extern "C" fn(_, _, _, _) -> _))
        });
    }
}
