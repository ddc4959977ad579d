"""The declarative rule set (`rules/`): loading, parameters and instantiation."""
from .params import rule_params
from .spec import OPTIONAL_STAGES, STAGES, Condition, FieldRef, Rule, instantiate, load_declarations

__all__ = ["OPTIONAL_STAGES", "STAGES", "Condition", "FieldRef", "Rule", "instantiate", "load_declarations", "rule_params"]
