"""The declarative rule set (`rules/`): loading, parameters and instantiation."""
from .params import rule_params
from .spec import STAGES, Condition, FieldRef, Rule, instantiate, load_declarations

__all__ = ["STAGES", "Condition", "FieldRef", "Rule", "instantiate", "load_declarations", "rule_params"]
