public enum LangPlaceholder {}
