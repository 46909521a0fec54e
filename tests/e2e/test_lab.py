"""The explanation lab in headless Chromium: choose a model and a SHAP view, see the plot."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_learner_runs_a_shap_job_and_sees_the_plot(browser_page, browser_login, learner, tmp_path):
    page = browser_page
    browser_login(page, learner)
    page.goto("/lab/")
    page.select_option("#lab-dataset", "breast_cancer")
    page.select_option("#lab-model", "decision_tree")
    page.fill("#p-decision_tree-max_depth", "3")
    page.select_option("#lab-explanation", "shap_waterfall")
    # A local explanation asks which row to explain.
    assert page.locator("#lab-instance-field").is_visible()
    page.fill("#lab-instance", "5")
    page.get_by_role("button", name="Explain").click()
    figure = page.locator("#lab-result .lab-figure img")
    figure.wait_for(state="visible", timeout=60_000)
    page.wait_for_function("() => document.querySelector('#lab-result .lab-figure img')?.naturalWidth > 300")
    metrics = page.locator("#lab-result .lab-metrics").inner_text()
    assert "accuracy" in metrics and "roc_auc" in metrics
    page.screenshot(path=str(tmp_path / "lab-shap.png"), full_page=True)
    # Explanations the model cannot give are not offered.
    page.select_option("#lab-model", "mlp")
    assert page.locator("#lab-explanation option[value=tree_diagram]").is_disabled()
    assert page.console_errors == []


def test_an_invalid_spec_replaces_the_previous_plot_with_the_servers_message(browser_page, browser_login, learner):
    from playwright.sync_api import expect

    page = browser_page
    browser_login(page, learner)
    page.goto("/lab/")
    page.select_option("#lab-dataset", "iris")
    page.select_option("#lab-model", "decision_tree")
    page.select_option("#lab-explanation", "tree_diagram")
    page.get_by_role("button", name="Explain").click()
    expect(page.locator("#lab-result .lab-figure img")).to_be_visible(timeout=60_000)

    page.select_option("#lab-explanation", "shap_waterfall")
    page.fill("#lab-instance", "100000")
    page.get_by_role("button", name="Explain").click()
    alert = page.locator("#lab-result [role=alert]")
    expect(alert).to_contain_text("instance")
    expect(page.locator("#lab-result .lab-figure")).to_have_count(0)
    # Chromium itself logs every 4xx response; nothing else may complain.
    assert [e for e in page.console_errors if "status of 400" not in e] == []
