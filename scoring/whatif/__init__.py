"""What-if: exact star-upgrade plans, cohort support planning, and policy comparisons."""
from .cohort import CohortPlan, parse_rewards, parse_targets, plan
from .costs import CostModel, load_costs
from .policy import compare_policies
from .upgrade import Plan, Upgrade, upgrade_plan

__all__ = ["compare_policies", "CohortPlan", "CostModel", "Plan", "Upgrade", "load_costs", "parse_rewards", "parse_targets", "plan",
           "upgrade_plan"]
