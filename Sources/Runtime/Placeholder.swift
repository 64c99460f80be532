import Lang
import Algorithms
public enum RuntimePlaceholder {}
