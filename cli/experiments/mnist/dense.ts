// Fully connected networks as seed 001's `Network(sizes)` builds them: one nn.Linear per pair
// of sizes, the activation after every layer but the last, weights by the named initialiser
// and zero biases.
import { nn } from '../../../bindings/index.js';

export type Activation = 'sigmoid' | 'relu';
/** 'xavier-normal' (the seed's default) or 'kaiming-uniform' (mode fan_out, gain for ReLU, as the seed's comment). */
export type WeightInit = 'xavier-normal' | 'kaiming-uniform';

export function denseNet(sizes: number[], activation: Activation, weights: WeightInit): nn.Sequential {
  const layers: nn.Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const layer = new nn.Linear(sizes[i], sizes[i + 1]);
    if (weights === 'xavier-normal') nn.init.xavierNormal(layer.weight);
    else nn.init.kaimingUniform(layer.weight, { mode: 'fanOut', nonlinearity: 'relu' });
    nn.init.zeros(layer.bias!);
    layers.push(layer);
    if (i + 2 < sizes.length) layers.push(activation === 'sigmoid' ? new nn.Sigmoid() : new nn.ReLU());
  }
  return new nn.Sequential(...layers);
}

/** The nn.Linear layers of a dense net, first to last. */
export function linearLayers(model: nn.Sequential): nn.Linear[] {
  return model.children().filter((m): m is nn.Linear => m instanceof nn.Linear);
}
