# torch.optim's trajectories for tests/optim/torch_optim_test.cpp: each optimizer, 3 steps on
# θ0 with the gradient g = θ³ − c (float64), the values after every step as JSON on stdout.
import json
import torch

theta0 = [0.5, -1.5, 2.0, 0.25]
c = torch.tensor([0.1, 0.2, -0.3, 0.4], dtype=torch.float64)
optimizers = {
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.1, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True,
                                              weight_decay=0.01),
    "adam": lambda p: torch.optim.Adam(p, lr=0.05, weight_decay=0.1),
}
answers = {}
for name, make in optimizers.items():
    theta = torch.tensor(theta0, dtype=torch.float64, requires_grad=True)
    optimizer = make([theta])
    steps = []
    for _ in range(3):
        theta.grad = theta.detach() ** 3 - c
        optimizer.step()
        steps.append(theta.detach().tolist())
    answers[name] = steps
print(json.dumps(answers))
